/* ---------------------------------------------------------------- the environment
 * Linux 6.12's sequences around the hooks (model/src/moves.rs). Each inline below is one
 * function there; a policy's hook runs through its run_* inline, which leaves its errno in
 * `err`. */

/* A member bound to a VFIO driver. */
#define bound_vfio(d) drv_vfio[dev_driver[d]]

/* run_void(): a hook that cannot fail stopped with an error: WARN_ON() in the kernel,
 * which goes on. */
inline hook_warns() {
    if
    :: err != 0 -> warned = 1; err = 0
    :: else -> skip
    fi
}

/* __iommu_probe_device(): the device joins its group (on its list, its attach deferred
 * where the IOMMU driver says so: iommu_init_device()); for a group that has a domain the
 * policy's join hook runs, then the device is attached to the group's current domain (a
 * new member's ATS follows it; the deferral kept only in the default domain:
 * __iommu_device_set_domain()). The hook's error, or __iommu_device_set_domain() refusing
 * the blocking domain to a device that requires direct mappings, fails the probe: the
 * device leaves its group, released by iommu_deinit_device() (RELEASE_KEEPS_DIRECT). */
inline refuse_join(d) {
    err = 0;
    dev_probed[d] = 0;
    dev_deferred[d] = 0;
    dev_ats_on[d] = 0
}

inline join_group(d) {
    dev_probed[d] = 1;
    dev_deferred[d] = dev_attach_deferred[d];
    err = 0;
    if
    :: grp_dom[dev_group[d]] != D_NONE -> run_join(d)
    :: else -> skip
    fi;
    if
    :: err != 0 -> refuse_join(d)
    :: err == 0 && grp_dom[dev_group[d]] == D_BLOCKED && dev_require_direct[d] -> refuse_join(d)
    :: err == 0 && !(grp_dom[dev_group[d]] == D_BLOCKED && dev_require_direct[d]) ->
        if
        :: grp_dom[dev_group[d]] != D_NONE ->
            dev_ats_on[d] = (allows_ats(dev_group[d], grp_dom[dev_group[d]], grp_dom_gen[dev_group[d]])
                && dev_ats_cap[d] && !dev_untrusted[d]);
            if
            :: is_current_default(dev_group[d], grp_dom[dev_group[d]], grp_dom_gen[dev_group[d]]) ->
                skip
            :: else -> dev_deferred[d] = 0
            fi
        :: else -> skip
        fi
    fi
}

/* The policy's probe hook: iommu_setup_default_domain() attaches a new group's first
 * domain with it and WARN_ON()s its failure. A new group with a member whose attach is
 * deferred is attached to its default domain without the hook, as the series keeps it
 * (iommu_group_attach_deferred()). */
inline probe_hook(d) {
    if
    :: grp_dom[dev_group[d]] == D_NONE && ANY_MEMBER(dev_group[d], deferred_of) ->
        attach(dev_group[d], D_DEFAULT, grp_default_gen[dev_group[d]])
    :: else ->
        run_probe(d);
        hook_warns()
    fi
}

/* iommu_probe_device() of a hot-added device: it joins its group, then the probe hook. */
inline iommu_probe(d) {
    join_group(d);
    if
    :: dev_probed[d] -> probe_hook(d)
    :: else -> skip
    fi
}

/* bus_iommu_probe() at boot, first half: the device is on the bus and joins its group
 * (probe_iommu_group()), no domain set up yet; then the notifier hook. */
inline boot_add(d) {
    dev_present[d] = 1;
    if
    :: !PROBES_AT_BIND -> join_group(d)
    :: else -> skip
    fi;
    run_bus_notify_add_device(d);
    hook_warns()
}

/* bus_iommu_probe() at boot, second half, once every boot device is in its group: the
 * probe hook of a group's first member sets up the group's first domain. */
inline boot_probe(d) {
    if
    :: !PROBES_AT_BIND -> probe_hook(d)
    :: else -> skip
    fi
}

/* device_add(): on the bus; the IOMMU core probes it now (BUS_NOTIFY_ADD_DEVICE ->
 * iommu_probe_device()) unless the platform probes at the first bind. */
inline add_device(d) {
    dev_present[d] = 1;
    if
    :: !PROBES_AT_BIND -> iommu_probe(d)
    :: else -> skip
    fi;
    run_bus_notify_add_device(d);
    hook_warns()
}

/* The probe of a driver with interrupts goes on: pci_alloc_irq_vectors(), with the
 * policy's prepare_msi hook first where the irqchip maps the doorbell through the IOMMU;
 * a refusal leaves the port on INTx. aer_enable_rootport() clears the Root Error Status,
 * then BOUND_DRIVER. */
inline alloc_vectors(d) {
    dev_probing[d] = 0;
    err = 0;
    if
    :: dev_kind[d] != K_UPSTREAM_PORT && MSI_TRANSLATED && dev_probed[d] -> run_prepare_msi(d)
    :: else -> skip
    fi;
    if
    :: err != 0 ->
        err = 0;
        dev_msi[d] = MSI_INTX;
        dev_msi_dom[d] = D_NONE;
        dev_msi_gen[d] = 0;
        dev_msi_masked[d] = 0
    :: else -> allocate_vectors(d)
    fi;
    if
    :: dev_kind[d] == K_ROOT_PORT && dev_aer[d] -> dev_aer_pending[d] = 0
    :: else -> skip
    fi;
    if
    :: dev_probed[d] -> run_bus_notify_bound_driver(d); hook_warns()
    :: else -> skip
    fi
}

/* really_probe(): device_set_driver(), dma_configure (probing a device that is in no
 * group first where the platform does it there, BIND_PROBES), BIND_DRIVER, the driver's
 * probe (vfio-pci refuses a bridge, or a device in no group: DRIVER_NOT_BOUND,
 * dma_cleanup, no driver, EINVAL), BOUND_DRIVER. A driver with interrupts that manages its
 * own DMA is left probing: its vectors are the next transition (alloc_vectors); a DMA-API
 * driver's follow at once. A failed dma_configure unwinds without notifying. The hooks
 * that take a device run only for one in its group (moves.rs in_group()). `drv` counts
 * from 1. */
inline bind(d, drv) {
    outcome = OUT_OK;
    dev_driver[d] = drv;
    if
    :: !dev_probed[d] && BIND_PROBES -> iommu_probe(d)
    :: else -> skip
    fi;
    if
    :: dev_probed[d] -> run_dma_configure(d, drv_managed_dma[drv])
    :: else -> err = 0
    fi;
    if
    :: err != 0 ->
        err = 0;
        dev_driver[d] = 0;
        outcome = OUT_FAILED
    :: else ->
        if
        :: dev_probed[d] -> run_bus_notify_bind_driver(d); hook_warns()
        :: else -> skip
        fi;
        if
        :: drv_vfio[drv] && (dev_kind[d] != K_ENDPOINT || !dev_probed[d]) ->
            if
            :: dev_probed[d] ->
                run_bus_notify_driver_not_bound(d);
                hook_warns();
                run_dma_cleanup(d, drv_managed_dma[drv]);
                hook_warns()
            :: else -> skip
            fi;
            dev_driver[d] = 0;
            outcome = OUT_FAILED
        :: else -> skip
        fi;
        /* A DMA-API driver's probe is taken as its first DMA mapping, which ends a
         * deferred attach (iommu_deferred_attach()). */
        if
        :: outcome == OUT_OK && drv_dma_api[drv] -> dev_deferred[d] = 0
        :: else -> skip
        fi;
        if
        :: outcome != OUT_OK -> skip
        :: outcome == OUT_OK && drv_msi[drv] ->
            dev_probing[d] = 1;
            if
            :: !drv_managed_dma[drv] -> alloc_vectors(d)
            :: else -> skip
            fi
        :: outcome == OUT_OK && !drv_msi[drv] && dev_probed[d] ->
            run_bus_notify_bound_driver(d);
            hook_warns()
        :: outcome == OUT_OK && !drv_msi[drv] && !dev_probed[d] -> skip
        fi
    fi
}

/* A built-in driver binds before userspace runs: the bind and its probe at once. */
inline bind_builtin(d, drv) {
    bind(d, drv);
    if
    :: dev_probing[d] -> alloc_vectors(d)
    :: else -> skip
    fi
}

/* iommu_group_release_dma_owner() -> __iommu_release_dma_ownership(): the policy's
 * release hook, then owner and owner_cnt cleared. */
inline vfio_release(g) {
    run_release(g);
    hook_warns();
    grp_owned[g] = 0;
    grp_owner_cnt[g] = 0;
    grp_user_cookie[g] = 0;
    grp_vfio[g] = V_CLOSED
}

/* vfio_group_detach_container(), first half: the user's domain detached
 * (iommu_detach_group()); a group only claimed has none and is released at once. */
inline vfio_detach(g) {
    if
    :: grp_vfio[g] == V_CLAIMED -> vfio_release(g)
    :: else ->
        run_detach_user(g);
        hook_warns();
        grp_user_cookie[g] = 0;
        grp_vfio[g] = V_DETACHED
    fi
}

/* vfio_group_detach_container() at once, as a removed last VFIO device does. */
inline vfio_detach_container(g) {
    vfio_detach(g);
    if
    :: grp_vfio[g] == V_DETACHED -> vfio_release(g)
    :: else -> skip
    fi
}

/* vfio-pci's remove: vfio_device_remove_group() detaches the container when no other
 * member is bound to a VFIO driver and a user holds the group. */
inline vfio_remove(d) {
    vr_other = 0;
    for (vr_i : 0 .. N_DEV - 1) {
        if
        :: vr_i != (d) && is_member(vr_i, dev_group[d]) && bound_vfio(vr_i) -> vr_other = 1
        :: else -> skip
        fi
    }
    if
    :: !vr_other && grp_owned[dev_group[d]] -> vfio_detach_container(dev_group[d])
    :: else -> skip
    fi
}

/* device_release_driver(): UNBIND_DRIVER, the driver's remove (vfio-pci's, and the
 * vectors freed), dma_cleanup, UNBOUND_DRIVER. */
inline unbind(d) {
    ub_drv = dev_driver[d];
    if
    :: dev_probed[d] -> run_bus_notify_unbind_driver(d); hook_warns()
    :: else -> skip
    fi;
    if
    :: drv_vfio[ub_drv] -> vfio_remove(d)
    :: else -> skip
    fi;
    if
    :: dev_msi[d] != MSI_NONE -> free_vectors(d)
    :: else -> skip
    fi;
    if
    :: dev_probed[d] -> run_dma_cleanup(d, drv_managed_dma[ub_drv]); hook_warns()
    :: else -> skip
    fi;
    dev_driver[d] = 0;
    if
    :: dev_probed[d] -> run_bus_notify_unbound_driver(d); hook_warns()
    :: else -> skip
    fi
}

/* The group's last member went (__iommu_group_remove_device()): its domains are freed
 * with it, and __iommu_group_free_device() WARNs unless ownership was released and the
 * group is in its default domain; a later device gets a fresh group. */
inline free_group(g) {
    if
    :: grp_owner_cnt[g] > 0 || !domain_is_Default(g) -> warned = 1
    :: else -> skip
    fi;
    grp_dom[g] = D_NONE;
    grp_dom_gen[g] = 0;
    grp_default_type[g] = BOOT_DEFAULT;
    grp_default_gen[g] = 0;
    grp_owned[g] = 0;
    grp_owner_cnt[g] = 0;
    grp_user_gen[g] = 0;
    grp_user_cookie[g] = 0;
    grp_vfio[g] = V_CLOSED
}

/* The device goes: unbound if bound, REMOVED_DEVICE, remove_last for the group's last
 * member, iommu_release_device(). */
inline remove(d) {
    if
    :: dev_driver[d] != 0 -> unbind(d)
    :: else -> skip
    fi;
    run_bus_notify_removed_device(d);
    hook_warns();
    rm_member = dev_probed[d];
    /* __iommu_group_remove_device(): the group's last device still a member, before
     * it is unlinked, the policy's remove_last hook. */
    if
    :: rm_member && MEMBERS(dev_group[d]) == 1 -> run_remove_last(dev_group[d]); hook_warns()
    :: else -> skip
    fi;
    dev_present[d] = 0;
    dev_probed[d] = 0;
    free_vectors(d);
    dev_ats_on[d] = 0;
    dev_deferred[d] = 0;
    dev_aer_pending[d] = 0;
    if
    :: rm_member && MEMBERS(dev_group[d]) == 0 -> free_group(dev_group[d])
    :: else -> skip
    fi;
    outcome = OUT_OK
}

/* The claim: iommu_group_claim_dma_owner() (type1) or iommu_device_claim_dma_owner()
 * (iommufd); the policy's claim hook decides, the owner is set after it. */
inline vfio_claim(g) {
    run_claim(g);
    if
    :: err != 0 -> err = 0; outcome = OUT_FAILED
    :: else ->
        grp_owned[g] = 1;
        grp_owner_cnt[g] = grp_owner_cnt[g] + 1;
        grp_vfio[g] = V_CLAIMED;
        outcome = OUT_OK
    fi
}

/* The msi_cookie hook, after the cookie exists; an error unwinds the attach (type1's
 * out_detach), leaving the group claimed. */
inline finish_open(g) {
    run_msi_cookie(g);
    if
    :: err != 0 ->
        err = 0;
        run_detach_user(g);
        hook_warns();
        grp_user_cookie[g] = 0;
        grp_vfio[g] = V_CLAIMED;
        outcome = OUT_FAILED
    :: else ->
        grp_vfio[g] = V_OPEN;
        outcome = OUT_OK
    fi
}

/* The user's domain attached: type1 vfio_iommu_type1_attach_group() (the cookie comes
 * after, vfio_cookie), iommufd iommufd_hw_pagetable_attach() (cookie first). */
inline vfio_attach(g) {
    inc_sat(grp_user_gen[g]);
    grp_user_cookie[g] = IOMMUFD;
    run_attach_user(g);
    if
    :: err != 0 ->
        err = 0;
        grp_user_cookie[g] = 0;
        outcome = OUT_FAILED
    :: else ->
        if
        :: IOMMUFD -> finish_open(g)
        :: else ->
            grp_vfio[g] = V_ATTACHED;
            outcome = OUT_OK
        fi
    fi
}

/* type1's iommu_get_msi_cookie(), the end of VFIO_SET_IOMMU. */
inline vfio_cookie(g) {
    grp_user_cookie[g] = 1;
    finish_open(g)
}

/* The user closes the group: the user's domain detached. */
inline vfio_close_detach(g) {
    vfio_detach(g);
    outcome = OUT_OK
}

/* The rest of the close: ownership released. */
inline vfio_close_release(g) {
    vfio_release(g);
    outcome = OUT_OK
}

/* An error reported to root port r: recorded in its Root Error Status and, if that was
 * clear and its AER service has live unmasked vectors, signalled with the message the
 * vector was composed with (aer_irq()); held by a mask; lost in a domain that does not
 * reach the doorbell (the status stays set). */
inline raise_aer(r) {
    outcome = OUT_IRQ;
    if
    :: !aer_listening(r) -> irq = IRQ_UNREPORTED
    :: else ->
        if
        :: dev_msi_masked[r] -> dev_aer_pending[r] = 1; irq = IRQ_HELD
        :: else ->
            if
            :: dev_aer_pending[r] -> irq = IRQ_UNSIGNALLED
            :: else ->
                if
                :: dev_msi[r] == MSI_NONE -> irq = IRQ_UNREPORTED
                :: dev_msi[r] == MSI_INTX -> irq = IRQ_DELIVERED
                :: else ->
                    if
                    :: reaches_doorbell(r) -> irq = IRQ_DELIVERED
                    :: else -> dev_aer_pending[r] = 1; irq = IRQ_LOST
                    fi
                fi
            fi
        fi
    fi
}

/* iommu_group_store_type(): the policy's default_type hook. */
inline write_type(g, ty) {
    run_default_type(g, ty);
    if
    :: err != 0 -> err = 0; outcome = OUT_FAILED
    :: else -> outcome = OUT_OK
    fi
}
