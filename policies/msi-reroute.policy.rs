policy! {
    /// Re-target the MSI vectors of a group's other members at each domain the group is
    /// switched to, holding them masked while no domain can reach the doorbell (thread P8).
    ///
    /// A vector's message holds the doorbell IOVA that the MSI cookie of the domain
    /// attached at allocation mapped (iommu_dma_prepare_msi()). When VFIO moves the group
    /// to its blocking domain and then to the user's domain, nothing carries that mapping
    /// along: a PCIe port that stays bound to pcieport loses its next AER interrupt, its
    /// Root Error Status stays set, and AER never signals again. Freeing and requesting
    /// the vectors again would need the driver, which cannot be called under the group
    /// mutex, and re-probing the port's AER service would clear the status it must report.
    ///
    /// Do it below the driver instead. Mask the vectors when the group leaves a domain
    /// that maps their doorbell for one that does not, so that an error raised meanwhile
    /// waits in the vector's pending bit. Once the new domain can reach the doorbell (the
    /// user's domain when it has its MSI cookie, the default domain when the group is
    /// given back, a new default domain after a type change), map the doorbell there again,
    /// rewrite each message as an affinity change does, unmask, and replay each vector
    /// once, so that an interrupt lost in the moment before the mask is still serviced.
    /// AER, PME and hotplug handlers find nothing to do on a replay with nothing pending.
    name = "msi-reroute";
    extends = "status-quo";
    subject = "iommu: Re-target co-grouped MSIs across a domain switch";
    suggested_by = "Robin Murphy <robin.murphy@arm.com>";
    link = "https://lkml.iu.edu/hypermail/linux/kernel/2602.2/05845.html";
    // Linux 6.12 only. The re-target helper runs under group->mutex, as every hook
    // does, and calls iommu_dma_prepare_msi() to map each doorbell in the new domain.
    // On 7.3 iommu_dma_prepare_msi() takes group->mutex itself (drivers/iommu/iommu.c),
    // and the MSI core calls it with the device's MSI descriptor mutex held: the helper
    // would take the group mutex twice, and serialising it against allocation with the
    // descriptor mutex instead would take that mutex under group->mutex, the reverse of
    // the allocation path's order (ABBA). A 7.3 version needs a different design.
    bases = ["linux-6.12"];

    /// The blocking domain reaches no doorbell: hold the other members' messages.
    on claim(g) {
        inherit()?;
        for d in g.devices {
            mask_msis(d);
        }
    }

    /// The user's domain maps the doorbell now (type1 attaches before the cookie).
    on msi_cookie(g) {
        for d in g.devices {
            retarget_msis(d);
        }
    }

    /// Back in the blocking domain while owned; in the default domain otherwise.
    on detach_user(g) {
        inherit()?;
        if g.owned {
            for d in g.devices {
                mask_msis(d);
            }
        } else {
            for d in g.devices {
                retarget_msis(d);
            }
        }
    }

    /// Back in the default domain, whose cookie still maps the doorbell.
    on release(g) {
        inherit()?;
        for d in g.devices {
            retarget_msis(d);
        }
    }

    /// A new default domain: its cookie maps the doorbell at a new IOVA.
    on default_type(g, ty) {
        inherit()?;
        for d in g.devices {
            retarget_msis(d);
        }
    }
}
