//! Where each hook lives on each base: the function its body becomes, the facts the
//! place guarantees, and the glue that calls it from the existing code.
//!
//! [`site`] is Linux 6.12's table; a later base differs from it by rows: a hook with no
//! place there ([`unsupported_hook`]), and glue whose text changed ([`GLUE_7_3`]: the
//! text 7.3 has in place of 6.12's; the replacement is the template of the same name,
//! which `kernel-templates/linux-7.3/` holds when its text differs too). Every place is
//! still found by structure: the function by name, the statement by its text.

use switchyard_dsl::vocab::{Hook, NotifyAction};
use switchyard_dsl::Base;

/// What a site guarantees about the hook's group and device when the hook runs; the
/// renderer folds conditions these decide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Facts {
    pub(crate) owned: Option<bool>,
    pub(crate) owner_cnt: Option<u32>,
    /// `Some(true)`: the group has no domain yet.
    pub(crate) domain_none: Option<bool>,
    /// Whether the hook's device has a driver bound.
    pub(crate) dev_bound: Option<bool>,
}

/// A file a series touches, with the subsystem prefix of a patch that touches only it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Subsystem {
    Iommu,
    DriverCore,
    Pci,
    Amba,
    Vfio,
}

impl Subsystem {
    pub(crate) fn of(path: &str) -> Subsystem {
        if path.starts_with("drivers/pci/") {
            Subsystem::Pci
        } else if path.starts_with("drivers/base/") || path.starts_with("include/linux/device") {
            Subsystem::DriverCore
        } else if path.starts_with("drivers/amba/") {
            Subsystem::Amba
        } else if path.starts_with("drivers/vfio/") {
            Subsystem::Vfio
        } else {
            Subsystem::Iommu
        }
    }
    /// The subject prefix maintainers of the file use.
    pub(crate) fn prefix(self, path: &str) -> &'static str {
        match self {
            Subsystem::Iommu if path.contains("iommu/iommufd") => "iommufd",
            Subsystem::Iommu if path.ends_with("dma-iommu.c") => "iommu/dma",
            Subsystem::Iommu => "iommu",
            Subsystem::DriverCore if path.contains("platform") => "driver core: platform",
            Subsystem::DriverCore => "driver core",
            Subsystem::Pci if path.contains("pcie/portdrv") => "PCI/portdrv",
            Subsystem::Pci => "PCI",
            Subsystem::Amba => "ARM: amba",
            Subsystem::Vfio => "vfio/type1",
        }
    }
}

pub(crate) const IOMMU_C: &str = "drivers/iommu/iommu.c";
pub(crate) const IOMMU_H: &str = "include/linux/iommu.h";

/// How the generated function is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    /// Called from a site that already holds `group->mutex`, with every parameter (the
    /// glue's arguments are fixed).
    Locked,
    /// Called from a site that already holds `group->mutex`, with the group and what the
    /// body reads: the glue passes `{{ args }}`. The function goes right before its one
    /// caller in iommu.c ([`Site::placed_before`]), so that it shares the caller's
    /// conditional compilation (7.3's iommu_dma_prepare_msi() is built only with
    /// `CONFIG_IRQ_MSI_IOMMU`; a static function outside that block would be unused, and
    /// warned about, everywhere else).
    LockedReads,
    /// A wrapper taking the mutex of `dev->iommu_group` (or of the group parameter) calls
    /// the body function with the parameters the body reads; `global` makes it an API of
    /// the IOMMU core declared in iommu.h, which is exported only when a caller can be a
    /// module ([`Site::exported`]).
    Wrapper {
        name: &'static str,
        global: bool,
        summary: &'static str,
        /// Kernel-doc of each parameter.
        param_docs: &'static [(&'static str, &'static str)],
        /// The wrapper's parameters in C.
        params: &'static str,
    },
}

/// One edit that calls the hook from existing 6.12 code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glue {
    pub(crate) file: &'static str,
    pub(crate) function: &'static str,
    /// The exact 6.12 text replaced.
    pub(crate) old: &'static str,
    /// The template (under `glue/`) that replaces it; `fn` is the function to call.
    pub(crate) template: &'static str,
    /// The file's object can be built as a module: its Makefile adds it under a tristate
    /// Kconfig symbol (vfio_iommu_type1.o under VFIO_IOMMU_TYPE1), so a global function
    /// it calls must be exported. pci-driver.o (PCI), platform.o (obj-y) and amba's bus.o
    /// (ARM_AMBA) are built in whenever they are built.
    pub(crate) module: bool,
}

/// A hook's place in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Site {
    pub(crate) hook: Hook,
    /// The function holding the rendered body.
    pub(crate) function: &'static str,
    /// Its parameters, in C.
    pub(crate) params: &'static str,
    /// Hook parameters the function does not take, as locals: (name, declaration),
    /// declared where the body uses them.
    pub(crate) locals: &'static [(&'static str, &'static str)],
    pub(crate) fallible: bool,
    /// The first attach of a new group (6.12 insists that it succeeds).
    pub(crate) first_attach: bool,
    pub(crate) facts: Facts,
    /// A comment describing the function (before "Called with group->mutex held.").
    pub(crate) doc: &'static str,
    pub(crate) entry: Entry,
    /// Whether a `static` prototype is needed in iommu.c (its caller comes first).
    pub(crate) prototype: bool,
    pub(crate) glue: Vec<Glue>,
}

impl Site {
    /// What the site's glue calls: the wrapper when there is one.
    pub(crate) fn callee(&self) -> &'static str {
        match &self.entry {
            Entry::Locked | Entry::LockedReads => self.function,
            Entry::Wrapper { name, .. } => name,
        }
    }

    /// The iommu.c function the hook's function is inserted before, when it has one
    /// caller there whose conditional compilation it must share; otherwise it joins the
    /// other hook functions after `__iommu_group_alloc_blocking_domain()`.
    pub(crate) fn placed_before(&self) -> Option<&'static str> {
        match (&self.entry, self.glue.as_slice()) {
            (Entry::LockedReads, [g]) if g.file == IOMMU_C => Some(g.function),
            _ => None,
        }
    }

    /// Whether the wrapper is exported: it is global and one of its callers can be a
    /// module. A function only built-in code calls is not exported, as 6.12 does not
    /// export iommu_device_use_default_domain(), whose callers are the buses.
    pub(crate) fn exported(&self) -> bool {
        matches!(self.entry, Entry::Wrapper { global: true, .. })
            && self.glue.iter().any(|g| g.module)
    }

    /// The parameters of the hook's function, as (C declaration, name), given the names
    /// its body reads: every one when the glue calls it with fixed arguments, and
    /// otherwise (behind a wrapper, or from glue that passes what is read) the group and
    /// what the body reads, so that no parameter goes unused.
    pub(crate) fn params(
        &self,
        read: &std::collections::BTreeSet<String>,
    ) -> Vec<(&'static str, &'static str)> {
        split_params(self.params)
            .into_iter()
            .filter(|(_, name)| {
                matches!(self.entry, Entry::Locked) || *name == "group" || read.contains(*name)
            })
            .collect()
    }
}

/// `struct iommu_group *group, bool managed` as its declarations with their names.
pub(crate) fn split_params(params: &'static str) -> Vec<(&'static str, &'static str)> {
    params
        .split(", ")
        .map(|decl| {
            let name = decl.rsplit([' ', '*']).next().unwrap_or(decl);
            (decl, name)
        })
        .collect()
}

/// Why a hook has no site on `base`.
pub(crate) fn unsupported_hook(hook: Hook, base: Base) -> &'static str {
    match hook {
        Hook::MsiCookie if base == Base::Linux73 => {
            "on linux-7.3 an iommufd domain has no MSI cookie installed at attach: \
             iommufd_sw_msi() maps the doorbell when iommu_dma_prepare_msi() runs for a \
             vector, so there is no place where \"the owner's domain has its MSI cookie\" \
             holds for both VFIO type1 and iommufd"
        }
        Hook::BusNotify(NotifyAction::AddDevice) | Hook::BusNotify(NotifyAction::RemovedDevice) => {
            "iommu_bus_notifier() probes and releases the device on these actions; change the \
             `probe` hook instead"
        }
        Hook::AttachUser => {
            "__iommu_attach_group() checks the group's domain for every caller of \
             iommu_attach_group(); the series generator has no site for it yet"
        }
        _ => "no site",
    }
}

const DEV_DOCS: &[(&str, &str)] = &[("dev", "The device.")];
const DMA_CONFIGURE_DOCS: &[(&str, &str)] = &[
    ("dev", "The device a driver is binding to."),
    (
        "managed",
        "The driver manages DMA itself (driver_managed_dma).",
    ),
];
const DMA_CLEANUP_DOCS: &[(&str, &str)] = &[
    ("dev", "The device a driver was unbound from."),
    (
        "managed",
        "The driver managed DMA itself (driver_managed_dma).",
    ),
];
const GROUP_DOCS: &[(&str, &str)] = &[("group", "The group.")];

/// Glue whose text Linux 7.3 changed: (file, function, the text 7.3 has where 6.12 has
/// the row's `old`). Since 6.15 iommu_init_device() may call the bus's dma_configure()
/// with no driver bound, so each bus tests for a driver before its driver_managed_dma.
const GLUE_7_3: &[(&str, &str, &str)] = &[
    (
        IOMMU_C,
        "__iommu_probe_device",
        "\tif (group->domain) {\n\t\tret = __iommu_device_set_domain(group, dev, group->domain, NULL,\n\t\t\t\t\t\t0);\n",
    ),
    (
        "drivers/pci/pci-driver.c",
        "pci_dma_configure",
        "\tif (!ret && drv && !to_pci_driver(drv)->driver_managed_dma) {\n\t\tret = iommu_device_use_default_domain(dev);\n",
    ),
    (
        "drivers/base/platform.c",
        "platform_dma_configure",
        "\tif (ret || !drv || to_platform_driver(drv)->driver_managed_dma)\n\t\treturn ret;\n\n\tret = iommu_device_use_default_domain(dev);\n",
    ),
    (
        "drivers/amba/bus.c",
        "amba_dma_configure",
        "\tif (!ret && dev->driver && !drv->driver_managed_dma) {\n\t\tret = iommu_device_use_default_domain(dev);\n",
    ),
];

/// The site of `hook` on `base`, if there is one.
pub(crate) fn site(hook: Hook, base: Base) -> Option<Site> {
    let mut site = linux_6_12(hook)?;
    match base {
        Base::Linux612 => {}
        Base::Linux73 => {
            if hook == Hook::MsiCookie {
                return None;
            }
            if hook == Hook::PrepareMsi {
                return Some(prepare_msi_7_3(site));
            }
            for g in &mut site.glue {
                if let Some((_, _, old)) = GLUE_7_3
                    .iter()
                    .find(|(file, function, _)| *file == g.file && *function == g.function)
                {
                    g.old = old;
                }
            }
        }
    }
    Some(site)
}

/// `prepare_msi` on Linux 7.3: iommu_dma_prepare_msi() moved into iommu.c and takes
/// `group->mutex` around the doorbell's mapping, so the hook is called there, under the
/// lock, with no wrapper: a claim (which holds the same mutex) and a probing driver's
/// vectors are ordered, where 6.12 leaves a window between the check and the mapping.
fn prepare_msi_7_3(site: Site) -> Site {
    Site {
        doc: "The driver probing @dev is allocating MSI vectors whose doorbell the\n\
              irqchip maps through the IOMMU. Called from iommu_dma_prepare_msi(),\n\
              under the device's MSI descriptor mutex and the irq domain's mutex.\n\
              An error fails the allocation.",
        entry: Entry::LockedReads,
        prototype: false,
        glue: vec![Glue {
            file: IOMMU_C,
            function: "iommu_dma_prepare_msi",
            old: "\tmutex_lock(&group->mutex);\n\t/* An IDENTITY domain must pass through */\n\tif (group->domain && group->domain->type != IOMMU_DOMAIN_IDENTITY) {\n",
            template: "glue/prepare_msi.c.tera",
            module: false,
        }],
        ..site
    }
}

/// The site of `hook` on Linux 6.12, if there is one.
fn linux_6_12(hook: Hook) -> Option<Site> {
    let no_owner = Facts {
        owned: Some(false),
        owner_cnt: Some(0),
        ..Facts::default()
    };
    Some(match hook {
        Hook::Probe => Site {
            hook,
            function: "iommu_group_attach_first_domain",
            params: "struct iommu_group *group",
            locals: &[("dev", "struct device *dev = iommu_group_first_dev(group);")],
            fallible: true,
            first_attach: true,
            facts: Facts {
                domain_none: Some(true),
                ..no_owner
            },
            doc: "Attach the first domain of a new group, once its default domain is set\n\
                  up.",
            entry: Entry::Locked,
            prototype: true,
            glue: vec![Glue {
                file: IOMMU_C,
                function: "iommu_setup_default_domain",
                old: "\t\tret = __iommu_group_set_domain_internal(\n\t\t\tgroup, dom, IOMMU_SET_DOMAIN_MUST_SUCCEED);\n",
                template: "glue/first_attach.c.tera",
                module: false,
            }],
        },
        Hook::DmaConfigure => Site {
            hook,
            function: "__iommu_prepare_default_domain",
            params: "struct iommu_group *group, struct device *dev, bool managed",
            locals: &[],
            fallible: true,
            first_attach: false,
            facts: Facts {
                dev_bound: Some(true),
                ..Facts::default()
            },
            doc: "A driver is about to probe @dev; @managed is its driver_managed_dma.",
            entry: Entry::Wrapper {
                name: "iommu_prepare_default_domain",
                global: true,
                summary: "Prepare a device's group for a driver",
                param_docs: DMA_CONFIGURE_DOCS,
                params: "struct device *dev, bool managed",
            },
            prototype: false,
            glue: vec![
                Glue {
                    file: "drivers/pci/pci-driver.c",
                    function: "pci_dma_configure",
                    old: "\tif (!ret && !driver->driver_managed_dma) {\n\t\tret = iommu_device_use_default_domain(dev);\n",
                    template: "glue/pci_dma_configure.c.tera",
                    module: false,
                },
                Glue {
                    file: "drivers/base/platform.c",
                    function: "platform_dma_configure",
                    old: "\tif (ret || drv->driver_managed_dma)\n\t\treturn ret;\n\n\tret = iommu_device_use_default_domain(dev);\n",
                    template: "glue/platform_dma_configure.c.tera",
                    module: false,
                },
                Glue {
                    file: "drivers/amba/bus.c",
                    function: "amba_dma_configure",
                    old: "\tif (!ret && !drv->driver_managed_dma) {\n\t\tret = iommu_device_use_default_domain(dev);\n",
                    template: "glue/amba_dma_configure.c.tera",
                    module: false,
                },
            ],
        },
        Hook::DmaCleanup => Site {
            hook,
            function: "__iommu_unprepare_default_domain",
            params: "struct iommu_group *group, struct device *dev, bool managed",
            locals: &[],
            fallible: false,
            first_attach: false,
            facts: Facts::default(),
            doc: "The driver of @dev was removed; @managed is its driver_managed_dma.",
            entry: Entry::Wrapper {
                name: "iommu_unprepare_default_domain",
                global: true,
                summary: "Undo iommu_prepare_default_domain()",
                param_docs: DMA_CLEANUP_DOCS,
                params: "struct device *dev, bool managed",
            },
            prototype: false,
            glue: vec![
                Glue {
                    file: "drivers/pci/pci-driver.c",
                    function: "pci_dma_cleanup",
                    old: "\tif (!driver->driver_managed_dma)\n\t\tiommu_device_unuse_default_domain(dev);\n",
                    template: "glue/pci_dma_cleanup.c.tera",
                    module: false,
                },
                Glue {
                    file: "drivers/base/platform.c",
                    function: "platform_dma_cleanup",
                    old: "\tif (!drv->driver_managed_dma)\n\t\tiommu_device_unuse_default_domain(dev);\n",
                    template: "glue/platform_dma_cleanup.c.tera",
                    module: false,
                },
                Glue {
                    file: "drivers/amba/bus.c",
                    function: "amba_dma_cleanup",
                    old: "\tif (!drv->driver_managed_dma)\n\t\tiommu_device_unuse_default_domain(dev);\n",
                    template: "glue/amba_dma_cleanup.c.tera",
                    module: false,
                },
            ],
        },
        Hook::BusNotify(action) => {
            let (function, wrapper, _constant, dev_bound) = match action {
                NotifyAction::BindDriver => (
                    "__iommu_group_bind_driver",
                    "iommu_group_bind_driver",
                    "BUS_NOTIFY_BIND_DRIVER",
                    Some(true),
                ),
                NotifyAction::BoundDriver => (
                    "__iommu_group_bound_driver",
                    "iommu_group_bound_driver",
                    "BUS_NOTIFY_BOUND_DRIVER",
                    Some(true),
                ),
                NotifyAction::UnbindDriver => (
                    "__iommu_group_unbind_driver",
                    "iommu_group_unbind_driver",
                    "BUS_NOTIFY_UNBIND_DRIVER",
                    Some(true),
                ),
                NotifyAction::UnboundDriver => (
                    "__iommu_group_unbound_driver",
                    "iommu_group_unbound_driver",
                    "BUS_NOTIFY_UNBOUND_DRIVER",
                    Some(false),
                ),
                NotifyAction::DriverNotBound => (
                    "__iommu_group_driver_not_bound",
                    "iommu_group_driver_not_bound",
                    "BUS_NOTIFY_DRIVER_NOT_BOUND",
                    Some(false),
                ),
                NotifyAction::AddDevice | NotifyAction::RemovedDevice => return None,
            };
            Site {
                hook,
                function,
                params: "struct iommu_group *group, struct device *dev",
                locals: &[],
                fallible: false,
                first_attach: false,
                facts: Facts {
                    dev_bound,
                    ..Facts::default()
                },
                doc: match action {
                    NotifyAction::BindDriver => "A driver is binding to @dev: BUS_NOTIFY_BIND_DRIVER, sent by\n\
                         really_probe() after dma_configure() and before the driver's probe.",
                    NotifyAction::BoundDriver => "The driver of @dev probed successfully: BUS_NOTIFY_BOUND_DRIVER.",
                    NotifyAction::UnbindDriver => "The driver of @dev is about to be removed: BUS_NOTIFY_UNBIND_DRIVER.",
                    NotifyAction::UnboundDriver => "The driver of @dev was removed and dma_cleanup() has run:\n\
                         BUS_NOTIFY_UNBOUND_DRIVER.",
                    _ => "Binding a driver to @dev failed: BUS_NOTIFY_DRIVER_NOT_BOUND.",
                },
                entry: Entry::Wrapper {
                    name: wrapper,
                    global: false,
                    summary: match action {
                        NotifyAction::BindDriver => "BUS_NOTIFY_BIND_DRIVER",
                        NotifyAction::BoundDriver => "BUS_NOTIFY_BOUND_DRIVER",
                        NotifyAction::UnbindDriver => "BUS_NOTIFY_UNBIND_DRIVER",
                        NotifyAction::UnboundDriver => "BUS_NOTIFY_UNBOUND_DRIVER",
                        _ => "BUS_NOTIFY_DRIVER_NOT_BOUND",
                    },
                    param_docs: DEV_DOCS,
                    params: "struct device *dev",
                },
                prototype: true,
                glue: vec![Glue {
                    file: IOMMU_C,
                    function: "iommu_bus_notifier",
                    old: "\t} else if (action == BUS_NOTIFY_REMOVED_DEVICE) {\n",
                    template: "glue/bus_notifier.c.tera",
                    module: false,
                }],
            }
        }
        Hook::Claim => Site {
            hook,
            function: "__iommu_group_claim_dma_domain",
            params: "struct iommu_group *group",
            locals: &[],
            fallible: true,
            first_attach: false,
            facts: no_owner,
            doc: "Move a group that a user is taking DMA ownership of (VFIO, iommufd) to\n\
                  the domain it is owned from. No DMA API user and no owner exist yet.",
            entry: Entry::Locked,
            prototype: false,
            glue: vec![Glue {
                file: IOMMU_C,
                function: "__iommu_take_dma_ownership",
                old: "\tif ((group->domain && group->domain != group->default_domain) ||\n\t    !xa_empty(&group->pasid_array))\n\t\treturn -EBUSY;\n\n\tret = __iommu_group_alloc_blocking_domain(group);\n\tif (ret)\n\t\treturn ret;\n\tret = __iommu_group_set_domain(group, group->blocking_domain);\n\tif (ret)\n\t\treturn ret;\n",
                template: "glue/take_ownership.c.tera",
                module: false,
            }],
        },
        Hook::Release => Site {
            hook,
            function: "__iommu_group_release_dma_domain",
            params: "struct iommu_group *group",
            locals: &[],
            fallible: false,
            first_attach: false,
            facts: no_owner,
            doc: "Move a group whose owner gave it back to the domain the kernel uses.",
            entry: Entry::Locked,
            prototype: false,
            glue: vec![Glue {
                file: IOMMU_C,
                function: "__iommu_release_dma_ownership",
                old: "\t__iommu_group_set_domain_nofail(group, group->default_domain);\n",
                template: "glue/release_ownership.c.tera",
                module: false,
            }],
        },
        Hook::DetachUser => Site {
            hook,
            function: "__iommu_group_detach_user_domain",
            params: "struct iommu_group *group",
            locals: &[],
            fallible: false,
            first_attach: false,
            facts: Facts::default(),
            doc: "The owner detached its domain: put the group back in a core-owned domain.",
            entry: Entry::Locked,
            prototype: true,
            glue: vec![Glue {
                file: IOMMU_C,
                function: "__iommu_group_set_core_domain",
                old: "\tstruct iommu_domain *new_domain;\n\n\tif (group->owner)\n\t\tnew_domain = group->blocking_domain;\n\telse\n\t\tnew_domain = group->default_domain;\n\n\t__iommu_group_set_domain_nofail(group, new_domain);\n",
                template: "glue/core_domain.c.tera",
                module: false,
            }],
        },
        Hook::MsiCookie => Site {
            hook,
            function: "__iommu_group_msi_cookie_ready",
            params: "struct iommu_group *group",
            locals: &[],
            fallible: true,
            first_attach: false,
            facts: Facts {
                owned: Some(true),
                ..Facts::default()
            },
            doc: "The owner's domain of @group has its MSI cookie: vectors composed from\n\
                  now on reach the doorbell through it.",
            entry: Entry::Wrapper {
                name: "iommu_group_msi_cookie_ready",
                global: true,
                summary: "The owner's domain has its MSI cookie",
                param_docs: GROUP_DOCS,
                params: "struct iommu_group *group",
            },
            prototype: false,
            glue: vec![Glue {
                file: "drivers/vfio/vfio_iommu_type1.c",
                function: "vfio_iommu_type1_attach_group",
                old: "\tif (resv_msi) {\n\t\tret = iommu_get_msi_cookie(domain->domain, resv_msi_base);\n\t\tif (ret && ret != -ENODEV)\n\t\t\tgoto out_detach;\n\t}\n",
                template: "glue/vfio_msi_cookie.c.tera",
                module: true,
            }, Glue {
                // A group joining a domain the container already has, whose cookie exists.
                file: "drivers/vfio/vfio_iommu_type1.c",
                function: "vfio_iommu_type1_attach_group",
                old: "\t\t\tif (!iommu_attach_group(d->domain,\n\t\t\t\t\t\tgroup->iommu_group)) {\n\t\t\t\tlist_add(&group->next, &d->group_list);\n",
                template: "glue/vfio_msi_cookie_reused.c.tera",
                module: true,
            }, Glue {
                file: "drivers/iommu/iommufd/device.c",
                function: "iommufd_hwpt_attach_device",
                old: "\tif (rc)\n\t\tgoto out_disable_iopf;\n\n\treturn 0;\n\nout_disable_iopf:\n",
                template: "glue/iommufd_msi_cookie.c.tera",
                module: true,
            }],
        },
        Hook::DefaultType => Site {
            hook,
            function: "__iommu_group_change_default_type",
            params: "struct iommu_group *group, int type",
            locals: &[],
            fallible: true,
            first_attach: false,
            facts: Facts {
                domain_none: Some(false),
                ..Facts::default()
            },
            doc: "A user asked for a new default domain type through sysfs: @type is\n\
                  IOMMU_DOMAIN_IDENTITY, IOMMU_DOMAIN_DMA or IOMMU_DOMAIN_DMA_FQ, or 0 for\n\
                  the type the group would get at probe.",
            entry: Entry::Locked,
            prototype: true,
            glue: vec![Glue {
                file: IOMMU_C,
                function: "iommu_group_store_type",
                old: "\t/* Otherwise, ensure that device exists and no driver is bound. */\n\tif (list_empty(&group->devices) || group->owner_cnt) {\n\t\tret = -EPERM;\n\t\tgoto out_unlock;\n\t}\n\n\tret = iommu_setup_default_domain(group, req_type);\n\tif (ret)\n\t\tgoto out_unlock;\n",
                template: "glue/store_type.c.tera",
                module: false,
            }],
        },
        Hook::Join => Site {
            hook,
            function: "__iommu_group_join_device",
            params: "struct iommu_group *group, struct device *dev",
            locals: &[],
            fallible: true,
            first_attach: false,
            facts: Facts {
                domain_none: Some(false),
                ..Facts::default()
            },
            doc: "@dev joins @group, which has a domain. It is already on group->devices,\n\
                  so a domain attached here is attached to it too, and its direct\n\
                  mappings are in the group's default domain. It is attached to the\n\
                  group's current domain next. An error fails the probe of @dev.",
            entry: Entry::Locked,
            prototype: true,
            glue: vec![Glue {
                file: IOMMU_C,
                function: "__iommu_probe_device",
                old: "\tif (group->domain) {\n\t\tret = __iommu_device_set_domain(group, dev, group->domain, 0);\n",
                template: "glue/join.c.tera",
                module: false,
            }],
        },
        Hook::RemoveLast => Site {
            hook,
            function: "__iommu_group_remove_last_device",
            params: "struct iommu_group *group",
            locals: &[],
            fallible: false,
            first_attach: false,
            facts: Facts::default(),
            doc: "The last device of @group is being removed, its driver already unbound.\n\
                  It is still on group->devices, so a domain attached here is attached to\n\
                  it too. __iommu_group_free_device() then expects the group to be in its\n\
                  default domain, and iommu_deinit_device() frees the group's domains.",
            entry: Entry::Locked,
            prototype: true,
            glue: vec![Glue {
                file: IOMMU_C,
                function: "__iommu_group_remove_device",
                old: "\t\tlist_del(&device->list);\n\t\t__iommu_group_free_device(group, device);\n",
                template: "glue/remove_last.c.tera",
                module: false,
            }],
        },
        Hook::PrepareMsi => Site {
            hook,
            function: "__iommu_group_prepare_msi",
            params: "struct iommu_group *group, struct device *dev",
            locals: &[],
            fallible: true,
            first_attach: false,
            facts: Facts {
                dev_bound: Some(true),
                ..Facts::default()
            },
            doc: "The driver probing @dev is allocating MSI vectors whose doorbell the\n\
                  irqchip maps through the IOMMU. Called from iommu_dma_prepare_msi()\n\
                  with the device's MSI descriptor mutex and the irq domain's mutex\n\
                  held, neither of which is taken under group->mutex. An error fails\n\
                  the allocation.",
            entry: Entry::Wrapper {
                name: "iommu_group_prepare_msi",
                global: true,
                summary: "Let the IOMMU core refuse a probing driver's MSI",
                param_docs: &[("dev", "The device whose driver is allocating MSI vectors.")],
                params: "struct device *dev",
            },
            prototype: false,
            glue: vec![Glue {
                file: "drivers/iommu/dma-iommu.c",
                function: "iommu_dma_prepare_msi",
                old: "\tstatic DEFINE_MUTEX(msi_prepare_lock); /* see below */\n\n\tif (!domain || !domain->iova_cookie) {\n",
                template: "glue/prepare_msi.c.tera",
                module: false,
            }],
        },
        Hook::AttachUser => return None,
    })
}

/// The `BUS_NOTIFY_*` constant of a notifier hook.
pub(crate) fn notify_constant(hook: Hook) -> Option<&'static str> {
    Some(match hook {
        Hook::BusNotify(NotifyAction::BindDriver) => "BUS_NOTIFY_BIND_DRIVER",
        Hook::BusNotify(NotifyAction::BoundDriver) => "BUS_NOTIFY_BOUND_DRIVER",
        Hook::BusNotify(NotifyAction::UnbindDriver) => "BUS_NOTIFY_UNBIND_DRIVER",
        Hook::BusNotify(NotifyAction::UnboundDriver) => "BUS_NOTIFY_UNBOUND_DRIVER",
        Hook::BusNotify(NotifyAction::DriverNotBound) => "BUS_NOTIFY_DRIVER_NOT_BOUND",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every 7.3 row names a glue 6.12 has, and changes its text: a row that matched
    /// nothing would leave 6.12's text to fail as a missing anchor on 7.3.
    #[test]
    fn every_7_3_glue_row_replaces_a_6_12_glue() {
        for (file, function, old) in GLUE_7_3 {
            let found = Hook::all().into_iter().any(|hook| {
                let (Some(six), Some(seven)) = (linux_6_12(hook), site(hook, Base::Linux73)) else {
                    return false;
                };
                six.glue.iter().zip(&seven.glue).any(|(a, b)| {
                    a.file == *file && a.function == *function && a.old != b.old && b.old == *old
                })
            });
            assert!(found, "{file}: {function}()");
        }
    }

    /// 6.12's sites are the table itself; a later base has no hook 6.12 lacks.
    #[test]
    fn a_later_base_has_no_hook_6_12_lacks() {
        for hook in Hook::all() {
            assert_eq!(site(hook, Base::Linux612), linux_6_12(hook), "{hook:?}");
            if site(hook, Base::Linux73).is_some() {
                assert!(linux_6_12(hook).is_some(), "{hook:?}");
            } else {
                assert!(
                    unsupported_hook(hook, Base::Linux73) != "no site"
                        || linux_6_12(hook).is_none(),
                    "{hook:?} has no 7.3 site and no reason"
                );
            }
        }
    }
}
