scenario! {
    /// A root port without ACS and an endpoint hot-added below it that firmware reserved a
    /// direct-mapped region for (an IORT RMR): the endpoint joins the port's group after
    /// the group's first domain was chosen, so a look at the group's members when it was
    /// set up did not see it.
    ///
    /// A parked group is still parked when the endpoint arrives if no driver has bound
    /// the port yet, or if the port driver has, which manages DMA itself and so does not
    /// unpark a group parked until a DMA API driver binds. __iommu_probe_device() attaches a later
    /// member to the group's current domain with __iommu_device_set_domain(), which
    /// refuses the blocking domain to a device that requires direct mappings: the probe
    /// fails and the endpoint is left outside any group. In a parking DMA domain the
    /// attach succeeds, but iommu_create_device_direct_mappings() mapped the region only
    /// in the group's default domain. (On 6.12's arm64 the endpoint is probed at its first
    /// bind, and again at every bind after a probe that failed; on 7.3 when it is added.)
    name = "rmr-join-parked";
    platform = Arm64Smmuv3;

    /// The PCIe port services driver, built in: AER, PME and hotplug over MSI, no DMA.
    driver pcieport { managed_dma, msi, irq_only }
    /// The endpoint's DMA-API driver.
    driver e1000e { dma_api, msi }

    /// The root port, without ACS: the group's first member.
    device rp { root_port, no_acs }
    /// The endpoint firmware keeps doing DMA for; it appears after boot.
    device nic { parent = rp, require_direct, hotplug }

    moves {
        bind(rp, pcieport);
        add(nic);
        bind(nic, e1000e);
        unbind(nic);
        remove(nic);
    }

    script {
        bind(rp, pcieport);
        add(nic);
        bind(nic, e1000e);
        unbind(nic);
        remove(nic);
    }
}
