//! What the generated C relies on beyond the hook functions themselves, one row each.
//!
//! [`c`](crate::c) records a [`Need`] where a construct's C calls something 6.12 lacks;
//! [`Need::spec`] says, for each, everything the series adds for it: the helper function
//! in iommu.c and its template, the paragraph the policy's commit message gains, the
//! domain member struct iommu_group gains, further edits that keep that state, and the
//! preparatory patches that come first. The canonical order of helpers in iommu.c, the
//! helpers' edits and the preparatory section of the plan all read these rows, so a
//! construct that needs more than its own C adds one row here (and its templates).

use crate::anchor::Anchor;
use crate::edit::Edit;
use crate::error::SeriesError;
use crate::functions::{after, normalise, INSERT_BASE};
use crate::plan::Planned;
use crate::sites::{IOMMU_C, IOMMU_H};
use crate::templates::{ctx, Templates};
use std::collections::BTreeSet;
use switchyard_dsl::Base;

macro_rules! needs {
    ($( $(#[doc = $doc:literal])* $var:ident ),+ $(,)?) => {
        /// Something the generated C relies on beyond the hook functions themselves.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub(crate) enum Need { $( $(#[doc = $doc])* $var ),+ }

        impl Need {
            /// Every need, in declaration order: the order of their helpers in iommu.c,
            /// of their group members, and of their preparatory patches in the series.
            pub(crate) const ALL: &'static [Need] = &[$(Need::$var),+];
        }
    };
}

needs! {
    /// The irqchips that call `iommu_dma_prepare_msi()` from their irq_domain alloc free
    /// what they took for the vectors when it fails: a hook that refuses vectors there
    /// turns that rare error path into an ordinary one.
    IrqchipUnwind,
    /// `__iommu_device_use_default_domain()`: the use count with group->mutex held.
    LockedDefaultDomainUse,
    /// `iommu_group_bound_count()`.
    BoundCountHelper,
    /// `iommu_group_require_direct()`.
    RequireDirectHelper,
    /// `iommu_group_attach_deferred()`: a new group attached elsewhere than to its default
    /// domain keeps it where a device's attach is deferred (kdump on VT-d and AMD).
    AttachDeferredHelper,
    /// `iommu_group_bus_prepares()`: a new group attached elsewhere than to its default
    /// domain keeps it where a device's bus does not call iommu_prepare_default_domain()
    /// at bind (fsl-mc, CDX, host1x context devices).
    BusPreparesHelper,
    /// `iommu_device_msi_live()`.
    MsiLiveHelper,
    /// `iommu_device_msi_iova()`, on what `iommu_dma_prepare_msi()` records in
    /// `dev->iommu->msi_iova`.
    MsiIovaHelper,
    /// `struct device_driver::irq_only`, set by the PCIe port driver.
    DriverIrqOnly,
    /// `iommu_setup_dma_ops()` against the default domain: a group may be attached to
    /// another domain when its devices' DMA ops are set up.
    DmaOpsFromDefaultDomain,
    /// The parking domain: an empty DMA API domain with `forbid_ats` set, which
    /// arm-smmu-v3 honours, and whose IOVA space is set up for MSI doorbells.
    ParkingDomain,
    /// `iommu_group_replace_default_domain()`: a new default domain, not attached.
    ReplaceDefaultDomain,
    /// `msi_device_mask_vectors()` and `msi_device_retarget_vectors()` in the MSI layer,
    /// on the doorbell `iommu_dma_prepare_msi()` records in each MSI descriptor.
    MsiRetarget,
}

/// Everything the series adds for one [`Need`].
pub(crate) struct NeedSpec {
    /// The function it adds to iommu.c (`name`, template), in the patch that first uses it.
    pub(crate) helper: Option<(&'static str, &'static str)>,
    /// The template of the paragraph the policy's commit message gains when the policy's
    /// patch is the one adding the helper.
    pub(crate) note: Option<&'static str>,
    /// The domain member it adds to struct iommu_group, freed with the group's other
    /// domains in iommu_deinit_device().
    pub(crate) group_domain: Option<&'static str>,
    /// Further edits the helper's patch makes to keep that state.
    pub(crate) state: &'static [Change],
    /// The preparatory patches it brings, in order, before the series' own.
    pub(crate) preps: &'static [Prep],
}

/// A preparatory patch: its commit message template and its edits.
pub(crate) struct Prep {
    pub(crate) commit: &'static str,
    pub(crate) edits: &'static [Change],
}

/// An edit whose text is a template rendered without variables.
pub(crate) enum Change {
    /// Insert before the comment that precedes `function`.
    InsertBefore {
        file: &'static str,
        function: &'static str,
        template: &'static str,
    },
    /// Insert right after `after`.
    InsertAfter {
        file: &'static str,
        after: At,
        template: &'static str,
    },
    /// Replace the function `name` (its comment stays).
    ReplaceFunction {
        file: &'static str,
        name: &'static str,
        template: &'static str,
    },
    /// Replace the statement `old` in `function`.
    ReplaceStatement {
        file: &'static str,
        function: &'static str,
        old: &'static str,
        template: &'static str,
    },
}

/// A place a [`Change`] inserts after.
pub(crate) enum At {
    /// The member `.1` of `struct .0`.
    Member(&'static str, &'static str),
    /// The kernel-doc line of parameter `.1` of item `.0`.
    KernelDocParam(&'static str, &'static str),
    /// The prototype of a function.
    Prototype(&'static str),
    /// The inline stub of a function.
    InlineStub(&'static str),
    /// An `#include <...>` line.
    Include(&'static str),
}

/// Statements a row replaces whose text Linux 7.3 changed: (file, function, 6.12's
/// text, 7.3's). The replacement is the template of the same name, which
/// `kernel-templates/linux-7.3/` holds when its text differs too.
const STATEMENTS_7_3: &[(&str, &str, &str, &str)] = &[(
    SMMU_V3_C,
    "arm_smmu_attach_prepare",
    "\t\tstate->ats_enabled = arm_smmu_ats_supported(master);\n",
    "\t\tstate->ats_enabled = !state->disable_ats &&\n\t\t\t\t     arm_smmu_ats_supported(master);\n",
)];

/// The text of the statement `old` of `function` in `file` on `base`.
fn statement_on(base: Base, file: &str, function: &str, old: &'static str) -> &'static str {
    let table: &[(&str, &str, &str, &'static str)] = match base {
        Base::Linux612 => &[],
        Base::Linux73 => STATEMENTS_7_3,
    };
    table
        .iter()
        .find(|(f, func, was, _)| *f == file && *func == function && *was == old)
        .map_or(old, |row| row.3)
}

/// Why msi-reroute's re-target has no 7.3 rendering.
const MSI_RETARGET_7_3: &str = "re-targeting a device's MSIs from an IOMMU hook takes the \
     MSI descriptor mutex (msi_lock_descs()) with group->mutex held; on linux-7.3 \
     iommu_dma_prepare_msi() is in iommu.c and takes group->mutex while the MSI layer holds \
     the descriptor mutex (msi_domain_alloc_irqs() -> irq_domain_alloc_irqs() -> prepare), \
     so the two orders are an ABBA deadlock; the re-target would have to run after \
     group->mutex is dropped";

const DMA_IOMMU_C: &str = "drivers/iommu/dma-iommu.c";
const DMA_IOMMU_H: &str = "drivers/iommu/dma-iommu.h";
const SMMU_V3_C: &str = "drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c";
const DRIVER_H: &str = "include/linux/device/driver.h";
const MSI_H: &str = "include/linux/msi.h";
const IRQ_MSI_C: &str = "kernel/irq/msi.c";
const GIC_V3_ITS_C: &str = "drivers/irqchip/irq-gic-v3-its.c";
const GIC_V2M_C: &str = "drivers/irqchip/irq-gic-v2m.c";
const GIC_V3_MBI_C: &str = "drivers/irqchip/irq-gic-v3-mbi.c";
const LS_SCFG_MSI_C: &str = "drivers/irqchip/irq-ls-scfg-msi.c";

/// A need that Linux 7.3 already meets: nothing to add.
const MET: NeedSpec = NeedSpec {
    helper: None,
    note: None,
    group_domain: None,
    state: &[],
    preps: &[],
};

impl Need {
    /// The row of this need on `base`, or why the series cannot be written on `base`.
    /// Linux 6.12's rows are [`Need::linux_6_12`]; a later base has a row of its own only
    /// where its kernel differs.
    pub(crate) fn spec(self, base: Base) -> Result<&'static NeedSpec, &'static str> {
        match (base, self) {
            (Base::Linux612, _) => Ok(self.linux_6_12()),
            // On 7.3 iommu_setup_dma_ops() takes the domain from its callers
            // (__iommu_probe_device(), bus_iommu_probe(), iommu_group_store_type()), and
            // each passes group->default_domain: the DMA ops already follow it.
            (Base::Linux73, Need::DmaOpsFromDefaultDomain) => Ok(&MET),
            // 7.3's iommu_dma_prepare_msi() is in iommu.c and runs under group->mutex:
            // the record is written there, under the lock its reader holds.
            (Base::Linux73, Need::MsiIovaHelper) => Ok(&NeedSpec {
                helper: Some(("iommu_device_msi_iova", "helpers/msi_iova.c.tera")),
                note: None,
                group_domain: None,
                state: &[],
                preps: &[Prep {
                    commit: "commit/msi_iova.txt.tera",
                    edits: &[
                        Change::InsertAfter {
                            file: IOMMU_H,
                            after: At::KernelDocParam("struct dev_iommu", "shadow_on_flush"),
                            template: "prep/msi_iova_doc.h.tera",
                        },
                        Change::InsertAfter {
                            file: IOMMU_H,
                            after: At::Member("dev_iommu", "shadow_on_flush"),
                            template: "prep/msi_iova.h.tera",
                        },
                        Change::ReplaceStatement {
                            file: IOMMU_C,
                            function: "iommu_dma_prepare_msi",
                            old: "\tmutex_unlock(&group->mutex);\n\treturn ret;\n",
                            template: "prep/msi_iova_mapped.c.tera",
                        },
                    ],
                }],
            }),
            (Base::Linux73, Need::MsiRetarget) => Err(MSI_RETARGET_7_3),
            (Base::Linux73, _) => Ok(self.linux_6_12()),
        }
    }

    /// The row of this need on Linux 6.12.
    fn linux_6_12(self) -> &'static NeedSpec {
        match self {
            // Each irqchip frees what it took before iommu_dma_prepare_msi() as its
            // irq_domain free does; the same text on 7.3, where the GICv5 ITS already
            // unwinds (gicv5_its_irq_domain_alloc()). No `Fixes:` trailer: checkpatch
            // warns about a commit id the tree does not hold, and a tree imported from a
            // release tarball holds none (the calls came with 35ae7df21be0 and
            // 737be74710f3 for the ITS and GICv2m, in 2019).
            Need::IrqchipUnwind => &NeedSpec {
                helper: None,
                note: Some("commit/irqchip_unwind_note.txt.tera"),
                group_domain: None,
                state: &[],
                preps: &[
                    Prep {
                        commit: "commit/irqchip_its_unwind.txt.tera",
                        edits: &[Change::ReplaceStatement {
                            file: GIC_V3_ITS_C,
                            function: "its_irq_domain_alloc",
                            old: "\terr = iommu_dma_prepare_msi(info->desc, its->get_msi_base(its_dev));\n\tif (err)\n\t\treturn err;\n",
                            template: "prep/its_unwind.c.tera",
                        }],
                    },
                    Prep {
                        commit: "commit/irqchip_v2m_unwind.txt.tera",
                        edits: &[Change::ReplaceStatement {
                            file: GIC_V2M_C,
                            function: "gicv2m_irq_domain_alloc",
                            old: "\terr = iommu_dma_prepare_msi(info->desc,\n\t\t\t\t    gicv2m_get_msi_addr(v2m, hwirq));\n\tif (err)\n\t\treturn err;\n",
                            template: "prep/v2m_unwind.c.tera",
                        }],
                    },
                    Prep {
                        commit: "commit/irqchip_mbi_unwind.txt.tera",
                        edits: &[Change::ReplaceStatement {
                            file: GIC_V3_MBI_C,
                            function: "mbi_irq_domain_alloc",
                            old: "\terr = iommu_dma_prepare_msi(info->desc,\n\t\t\t\t    mbi_phys_base + GICD_SETSPI_NSR);\n\tif (err)\n\t\treturn err;\n",
                            template: "prep/mbi_unwind.c.tera",
                        }],
                    },
                    Prep {
                        commit: "commit/irqchip_ls_scfg_unwind.txt.tera",
                        edits: &[Change::ReplaceStatement {
                            file: LS_SCFG_MSI_C,
                            function: "ls_scfg_msi_domain_irq_alloc",
                            old: "\terr = iommu_dma_prepare_msi(info->desc, msi_data->msiir_addr);\n\tif (err)\n\t\treturn err;\n",
                            template: "prep/ls_scfg_unwind.c.tera",
                        }],
                    },
                ],
            },
            Need::LockedDefaultDomainUse => &NeedSpec {
                helper: None,
                note: None,
                group_domain: None,
                state: &[],
                preps: &[Prep {
                    commit: "commit/locked_use.txt.tera",
                    edits: &[
                        Change::InsertBefore {
                            file: IOMMU_C,
                            function: "iommu_device_use_default_domain",
                            template: "prep/locked.c.tera",
                        },
                        Change::ReplaceFunction {
                            file: IOMMU_C,
                            name: "iommu_device_use_default_domain",
                            template: "prep/use.c.tera",
                        },
                        Change::ReplaceFunction {
                            file: IOMMU_C,
                            name: "iommu_device_unuse_default_domain",
                            template: "prep/unuse.c.tera",
                        },
                    ],
                }],
            },
            Need::BoundCountHelper => &NeedSpec {
                helper: Some(("iommu_group_bound_count", "helpers/bound_count.c.tera")),
                note: None,
                group_domain: None,
                state: &[],
                preps: &[],
            },
            Need::RequireDirectHelper => &NeedSpec {
                helper: Some(("iommu_group_require_direct", "helpers/require_direct.c.tera")),
                note: None,
                group_domain: None,
                state: &[],
                preps: &[],
            },
            Need::AttachDeferredHelper => &NeedSpec {
                helper: Some((
                    "iommu_group_attach_deferred",
                    "helpers/attach_deferred.c.tera",
                )),
                note: Some("commit/helper_attach_deferred.txt.tera"),
                group_domain: None,
                state: &[],
                preps: &[],
            },
            Need::BusPreparesHelper => &NeedSpec {
                helper: Some(("iommu_group_bus_prepares", "helpers/bus_prepares.c.tera")),
                note: Some("commit/helper_bus_prepares.txt.tera"),
                group_domain: None,
                state: &[],
                preps: &[],
            },
            Need::MsiLiveHelper => &NeedSpec {
                helper: Some(("iommu_device_msi_live", "helpers/msi_live.c.tera")),
                note: None,
                group_domain: None,
                state: &[],
                preps: &[],
            },
            // iommu_dma_prepare_msi() records whether it mapped the doorbell; the helper,
            // which also tests iommu_device_msi_live(), reads the record.
            Need::MsiIovaHelper => &NeedSpec {
                helper: Some(("iommu_device_msi_iova", "helpers/msi_iova.c.tera")),
                note: None,
                group_domain: None,
                state: &[],
                preps: &[Prep {
                    commit: "commit/msi_iova.txt.tera",
                    edits: &[
                        Change::InsertAfter {
                            file: IOMMU_H,
                            after: At::KernelDocParam("struct dev_iommu", "shadow_on_flush"),
                            template: "prep/msi_iova_doc.h.tera",
                        },
                        Change::InsertAfter {
                            file: IOMMU_H,
                            after: At::Member("dev_iommu", "shadow_on_flush"),
                            template: "prep/msi_iova.h.tera",
                        },
                        Change::ReplaceStatement {
                            file: DMA_IOMMU_C,
                            function: "iommu_dma_prepare_msi",
                            old: "\tif (!domain || !domain->iova_cookie) {\n\t\tmsi_desc_set_iommu_msi_iova(desc, 0, 0);\n",
                            template: "prep/msi_iova_none.c.tera",
                        },
                        Change::ReplaceStatement {
                            file: DMA_IOMMU_C,
                            function: "iommu_dma_prepare_msi",
                            old: "\t\tilog2(cookie_msi_granule(domain->iova_cookie)));\n",
                            template: "prep/msi_iova_mapped.c.tera",
                        },
                    ],
                }],
            },
            Need::DriverIrqOnly => &NeedSpec {
                helper: None,
                note: None,
                group_domain: None,
                state: &[],
                preps: &[
                    Prep {
                        commit: "commit/irq_only_flag.txt.tera",
                        edits: &[
                            Change::InsertAfter {
                                file: DRIVER_H,
                                after: At::KernelDocParam("struct device_driver", "probe_type"),
                                template: "prep/driver_irq_only_doc.h.tera",
                            },
                            Change::InsertAfter {
                                file: DRIVER_H,
                                after: At::Member("device_driver", "probe_type"),
                                template: "prep/driver_irq_only.h.tera",
                            },
                        ],
                    },
                    Prep {
                        commit: "commit/portdrv_irq_only.txt.tera",
                        edits: &[Change::InsertAfter {
                            file: "drivers/pci/pcie/portdrv.c",
                            after: At::Member("pcie_portdriver", "driver_managed_dma"),
                            template: "prep/portdrv_irq_only.c.tera",
                        }],
                    },
                ],
            },
            Need::DmaOpsFromDefaultDomain => &NeedSpec {
                helper: None,
                note: None,
                group_domain: None,
                state: &[],
                preps: &[Prep {
                    commit: "commit/dma_ops_default.txt.tera",
                    edits: &[Change::ReplaceStatement {
                        file: DMA_IOMMU_C,
                        function: "iommu_setup_dma_ops",
                        old: "\tstruct iommu_domain *domain = iommu_get_domain_for_dev(dev);\n",
                        template: "prep/dma_ops_default.c.tera",
                    }],
                }],
            },
            // The domain attribute that keeps ATS off, arm-smmu-v3 honouring it, and the
            // IOVA space of a DMA API domain that is not a default domain.
            Need::ParkingDomain => &NeedSpec {
                helper: Some((
                    "__iommu_group_alloc_parking_domain",
                    "helpers/parking_domain.c.tera",
                )),
                note: Some("commit/helper_parking.txt.tera"),
                group_domain: Some("parking_domain"),
                state: &[],
                preps: &[
                    Prep {
                        commit: "commit/forbid_ats.txt.tera",
                        edits: &[Change::InsertAfter {
                            file: IOMMU_H,
                            after: At::Member("iommu_domain", "type"),
                            template: "prep/forbid_ats.h.tera",
                        }],
                    },
                    Prep {
                        commit: "commit/smmu_forbid_ats.txt.tera",
                        edits: &[
                            Change::InsertBefore {
                                file: SMMU_V3_C,
                                function: "arm_smmu_attach_prepare",
                                template: "prep/smmu_ats_forbidden.c.tera",
                            },
                            Change::ReplaceStatement {
                                file: SMMU_V3_C,
                                function: "arm_smmu_attach_prepare",
                                old: "\t\tstate->ats_enabled = arm_smmu_ats_supported(master);\n",
                                template: "prep/smmu_attach_prepare.c.tera",
                            },
                        ],
                    },
                    Prep {
                        commit: "commit/dma_init_domain.txt.tera",
                        edits: &[
                            Change::ReplaceStatement {
                                file: DMA_IOMMU_C,
                                function: "iommu_dma_init_domain",
                                old: "static int iommu_dma_init_domain(",
                                template: "prep/dma_init_domain.c.tera",
                            },
                            Change::InsertAfter {
                                file: DMA_IOMMU_H,
                                after: At::Prototype("iommu_dma_init_fq"),
                                template: "prep/dma_init_domain.h.tera",
                            },
                            Change::InsertAfter {
                                file: DMA_IOMMU_H,
                                after: At::InlineStub("iommu_dma_init_fq"),
                                template: "prep/dma_init_domain_stub.h.tera",
                            },
                        ],
                    },
                ],
            },
            // A replaced default domain is freed as soon as the group leaves it.
            Need::ReplaceDefaultDomain => &NeedSpec {
                helper: Some((
                    "iommu_group_replace_default_domain",
                    "helpers/replace_default.c.tera",
                )),
                note: Some("commit/helper_replace_default.txt.tera"),
                group_domain: Some("replaced_domain"),
                state: &[Change::ReplaceStatement {
                    file: IOMMU_C,
                    function: "__iommu_group_set_domain_internal",
                    old: "\tgroup->domain = new_domain;\n\treturn result;\n",
                    template: "helpers/replaced_leave.c.tera",
                }],
                preps: &[],
            },
            // The doorbell recorded at preparation, then the MSI layer's two helpers.
            Need::MsiRetarget => &NeedSpec {
                helper: None,
                note: None,
                group_domain: None,
                state: &[],
                preps: &[
                    Prep {
                        commit: "commit/msi_doorbell.txt.tera",
                        edits: &[
                            Change::InsertAfter {
                                file: MSI_H,
                                after: At::KernelDocParam("struct msi_desc", "iommu_msi_shift"),
                                template: "prep/msi_doorbell_doc.h.tera",
                            },
                            Change::InsertAfter {
                                file: MSI_H,
                                after: At::Member("msi_desc", "iommu_msi_shift"),
                                template: "prep/msi_doorbell.h.tera",
                            },
                            Change::ReplaceStatement {
                                file: DMA_IOMMU_C,
                                function: "iommu_dma_prepare_msi",
                                old: "\tstatic DEFINE_MUTEX(msi_prepare_lock); /* see below */\n\n",
                                template: "prep/msi_doorbell_record.c.tera",
                            },
                        ],
                    },
                    Prep {
                        commit: "commit/msi_retarget.txt.tera",
                        edits: &[
                            Change::InsertAfter {
                                file: IRQ_MSI_C,
                                after: At::Include("linux/device.h"),
                                template: "prep/msi_retarget_include.c.tera",
                            },
                            Change::InsertBefore {
                                file: IRQ_MSI_C,
                                function: "msi_domain_activate",
                                template: "prep/msi_retarget.c.tera",
                            },
                            Change::InsertAfter {
                                file: MSI_H,
                                after: At::InlineStub("msi_desc_set_iommu_msi_iova"),
                                template: "prep/msi_retarget.h.tera",
                            },
                        ],
                    },
                ],
            },
        }
    }
}

impl At {
    fn anchor(&self) -> Anchor {
        match *self {
            At::Member(strukt, member) => Anchor::Member {
                strukt: strukt.into(),
                member: member.into(),
            },
            At::KernelDocParam(item, param) => Anchor::KernelDocParam {
                item: item.into(),
                param: param.into(),
            },
            At::Prototype(f) => Anchor::Prototype(f.into()),
            At::InlineStub(f) => Anchor::InlineStub(f.into()),
            At::Include(h) => Anchor::Include(h.into()),
        }
    }
}

impl Change {
    fn edit(&self, t: &Templates) -> Result<Edit, SeriesError> {
        let none = tera::Context::new();
        Ok(match *self {
            Change::InsertBefore {
                file,
                function,
                template,
            } => Edit::InsertBefore {
                file: file.into(),
                function: function.into(),
                text: t.render(template, &none)?,
            },
            Change::InsertAfter {
                file,
                ref after,
                template,
            } => Edit::InsertAfter {
                file: file.into(),
                after: vec![after.anchor()],
                text: t.render(template, &none)?,
                blank: false,
            },
            Change::ReplaceFunction {
                file,
                name,
                template,
            } => Edit::ReplaceFunction {
                file: file.into(),
                name: name.into(),
                text: t.render(template, &none)?,
                comment: false,
            },
            Change::ReplaceStatement {
                file,
                function,
                old,
                template,
            } => Edit::ReplaceStatement {
                file: file.into(),
                function: function.into(),
                old: statement_on(t.base(), file, function, old).into(),
                new: t.render(template, &none)?,
            },
        })
    }
}

impl Prep {
    fn planned(&self, t: &Templates) -> Result<Planned, SeriesError> {
        let (subject, body) = t.commit(self.commit, &tera::Context::new())?;
        Ok(Planned {
            subject,
            body,
            trailers: Vec::new(),
            edits: self
                .edits
                .iter()
                .map(|c| c.edit(t))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// The preparatory patches of `needs`, in the order of [`Need::ALL`].
pub(crate) fn preps(t: &Templates, needs: &BTreeSet<Need>) -> Result<Vec<Planned>, SeriesError> {
    let mut out = Vec::new();
    for need in Need::ALL.iter().filter(|n| needs.contains(n)) {
        for prep in spec_of(t.base(), *need)?.preps {
            out.push(prep.planned(t)?);
        }
    }
    Ok(out)
}

/// The row of `need` on `base`; a need without one was refused when the hooks were
/// rendered ([`hooks::render_all`](crate::hooks::render_all)), so this is the same
/// refusal should a caller skip that.
fn spec_of(base: Base, need: Need) -> Result<&'static NeedSpec, SeriesError> {
    need.spec(base).map_err(|reason| SeriesError::NotOnBase {
        policy: String::new(),
        base,
        reason: reason.to_string(),
    })
}

/// The helper functions of iommu.c on `base`, in their order there.
pub(crate) fn helper_functions(base: Base) -> impl Iterator<Item = &'static str> {
    Need::ALL
        .iter()
        .filter_map(move |n| n.spec(base).ok()?.helper.map(|(name, _)| name))
}

/// What a helper adds besides its function: the group's member for the domain it keeps,
/// after 6.12's blocking domain and the members of the needs before it, freed with the
/// group's other domains in iommu_deinit_device(); then the row's further edits.
fn helper_state(t: &Templates, need: Need) -> Result<Vec<Edit>, SeriesError> {
    let spec = spec_of(t.base(), need)?;
    let mut edits = Vec::new();
    if let Some(member) = spec.group_domain {
        let name = |n: &str| ctx(&[("name", &n)]);
        let before: Vec<&str> = std::iter::once("blocking_domain")
            .chain(
                Need::ALL
                    .iter()
                    .take_while(|n| **n != need)
                    .filter_map(|n| n.spec(t.base()).ok()?.group_domain),
            )
            .collect();
        let mut frees = Vec::new();
        for m in &before {
            frees.push(Anchor::Statement {
                function: "iommu_deinit_device".into(),
                text: t.render("helpers/domain_free.c.tera", &name(m))?,
            });
        }
        edits.push(Edit::InsertAfter {
            file: IOMMU_C.into(),
            after: before
                .iter()
                .map(|m| Anchor::Member {
                    strukt: "iommu_group".into(),
                    member: m.to_string(),
                })
                .collect(),
            text: t.render("helpers/domain_member.c.tera", &name(member))?,
            blank: false,
        });
        edits.push(Edit::InsertAfter {
            file: IOMMU_C.into(),
            after: frees,
            text: t.render("helpers/domain_free.c.tera", &name(member))?,
            blank: false,
        });
    }
    for c in spec.state {
        edits.push(c.edit(t)?);
    }
    Ok(edits)
}

/// The edits adding the helpers of `needs` not in `have` yet (which then are), each with
/// its state, placed by `order`.
pub(crate) fn helper_edits(
    t: &Templates,
    needs: &BTreeSet<Need>,
    have: &mut BTreeSet<Need>,
    order: &[String],
) -> Result<Vec<Edit>, SeriesError> {
    let mut edits = Vec::new();
    for need in needs {
        if let Some((name, template)) = spec_of(t.base(), *need)?.helper {
            if have.insert(*need) {
                edits.push(Edit::InsertAfter {
                    file: IOMMU_C.into(),
                    after: after(
                        Anchor::Function(INSERT_BASE.into()),
                        order,
                        name,
                        Anchor::Function,
                    ),
                    text: normalise(t.render(template, &tera::Context::new())?)?,
                    blank: true,
                });
                edits.extend(helper_state(t, *need)?);
            }
        }
    }
    Ok(edits)
}

/// The commit-message paragraphs the policy's patch gains: those of the helpers `added`
/// brings to it, then those of the needs of the series that bring only preparatory
/// patches (what the policy relies on them for), in the order of [`Need::ALL`]; a note's
/// paragraphs are apart by a blank line.
pub(crate) fn notes(
    t: &Templates,
    added: &[Need],
    needs: &BTreeSet<Need>,
) -> Result<Vec<String>, SeriesError> {
    let mut out = Vec::new();
    let mut add = |note: &str| -> Result<(), SeriesError> {
        let text = t.render(note, &tera::Context::new())?;
        out.extend(
            text.split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string),
        );
        Ok(())
    };
    for need in added {
        if let Some(note) = spec_of(t.base(), *need)?.note {
            add(note)?;
        }
    }
    for need in Need::ALL.iter().filter(|n| needs.contains(n)) {
        let spec = spec_of(t.base(), *need)?;
        if let (None, Some(note)) = (spec.helper, spec.note) {
            add(note)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change_template(c: &Change) -> &'static str {
        match *c {
            Change::InsertBefore { template, .. }
            | Change::InsertAfter { template, .. }
            | Change::ReplaceFunction { template, .. }
            | Change::ReplaceStatement { template, .. } => template,
        }
    }

    /// Every template a row names renders without variables, as the series renders it,
    /// on every base.
    #[test]
    fn every_row_renders_its_templates_without_variables() {
        for base in Base::ALL {
            let t = Templates::load(base).expect("the templates compile");
            let none = tera::Context::new();
            for need in Need::ALL {
                let Ok(spec) = need.spec(base) else { continue };
                let mut names: Vec<&str> = spec.helper.iter().map(|h| h.1).collect();
                names.extend(spec.note);
                names.extend(spec.state.iter().map(change_template));
                for prep in spec.preps {
                    names.push(prep.commit);
                    names.extend(prep.edits.iter().map(change_template));
                }
                for name in names {
                    t.render(name, &none)
                        .unwrap_or_else(|e| panic!("{base}: {need:?}: {name}: {e}"));
                }
            }
        }
    }

    /// Every helper the series adds has kernel-doc that names it and states its context
    /// and return value, and one that takes a group asserts that its mutex is held, on
    /// every base.
    #[test]
    fn every_helper_has_kernel_doc_and_asserts_its_lock() {
        for base in Base::ALL {
            let t = Templates::load(base).expect("the templates compile");
            for need in Need::ALL {
                let Ok(NeedSpec {
                    helper: Some((name, template)),
                    ..
                }) = need.spec(base)
                else {
                    continue;
                };
                let text = t.render(template, &tera::Context::new()).unwrap();
                let doc = text.split("\n */\n").next().unwrap_or("");
                assert!(
                    doc.starts_with(&format!("/**\n * {name}() - ")),
                    "{base}: {name}: not kernel-doc:\n{text}"
                );
                for section in ["\n * Context: ", "\n * Return: "] {
                    assert!(doc.contains(section), "{base}: {name}: no{section}");
                }
                if text.contains(&format!("{name}(struct iommu_group *group")) {
                    assert!(
                        text.contains("\tlockdep_assert_held(&group->mutex);\n"),
                        "{base}: {name}: no lockdep_assert_held()"
                    );
                }
            }
        }
    }

    /// Every statement row of 7.3 names a statement a 6.12 row replaces.
    #[test]
    fn every_7_3_statement_row_replaces_a_6_12_statement() {
        let olds: Vec<(&str, &str, &str)> = Need::ALL
            .iter()
            .flat_map(|n| {
                let spec = n.linux_6_12();
                spec.state
                    .iter()
                    .chain(spec.preps.iter().flat_map(|p| p.edits))
            })
            .filter_map(|c| match *c {
                Change::ReplaceStatement {
                    file,
                    function,
                    old,
                    ..
                } => Some((file, function, old)),
                _ => None,
            })
            .collect();
        for (file, function, old, new) in STATEMENTS_7_3 {
            assert!(
                olds.contains(&(*file, *function, *old)),
                "{file}: {function}()"
            );
            assert_eq!(statement_on(Base::Linux73, file, function, old), *new);
            assert_eq!(statement_on(Base::Linux612, file, function, old), *old);
        }
    }

    /// msi-reroute's re-target is refused on 7.3, with the lock order in the reason.
    #[test]
    fn the_retarget_is_refused_on_7_3_for_its_lock_order() {
        assert!(Need::MsiRetarget.spec(Base::Linux612).is_ok());
        let why = Need::MsiRetarget
            .spec(Base::Linux73)
            .err()
            .expect("refused");
        assert!(why.contains("ABBA deadlock"), "{why}");
        // 7.3 already sets up DMA ops against the default domain: nothing to add.
        let met = Need::DmaOpsFromDefaultDomain.spec(Base::Linux73).unwrap();
        assert!(met.preps.is_empty() && met.helper.is_none());
        assert!(!Need::DmaOpsFromDefaultDomain
            .spec(Base::Linux612)
            .unwrap()
            .preps
            .is_empty());
    }

    /// Group state belongs to a helper and is added with it; the commit note belongs to
    /// a helper or to preparatory patches, which the policy's patch relies on.
    #[test]
    fn state_and_notes_come_with_a_helper_or_preparatory_patches() {
        for (base, need) in Base::ALL
            .iter()
            .flat_map(|b| Need::ALL.iter().map(move |n| (*b, n)))
        {
            let Ok(spec) = need.spec(base) else { continue };
            if spec.group_domain.is_some() || !spec.state.is_empty() {
                assert!(spec.helper.is_some(), "{base}: {need:?}");
            }
            if spec.note.is_some() {
                assert!(
                    spec.helper.is_some() || !spec.preps.is_empty(),
                    "{base}: {need:?}"
                );
            }
        }
    }
}
