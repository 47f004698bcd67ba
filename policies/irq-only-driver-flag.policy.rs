policy! {
    /// Let drivers declare that they use interrupts but no DMA, and give their parked
    /// groups the default domain at bind (thread P5).
    ///
    /// Keep a new group in its blocking domain until a driver binds, unless a device in it
    /// requires direct mappings, so that a device no driver has accepted can do neither DMA
    /// nor ATS; a driver that uses the DMA API moves the group to its default domain.
    /// Drivers that set driver_managed_dma never take the DMA API, yet some of them need
    /// MSI: the PCIe port driver requests vectors for AER, PME and hotplug, and on arm64
    /// the GIC ITS doorbell is reached through the SMMU. A parked group whose last device
    /// is removed goes back to its default domain first, as __iommu_group_free_device()
    /// expects of an empty group, and a device that requires direct mappings moves the
    /// parked group it joins to its default domain, as the blocking domain would refuse it.
    ///
    /// [linux-6.12] Left in the blocking domain, such a driver's MSIs would be lost:
    /// iommu_dma_prepare_msi() finds no MSI cookie there and leaves the messages aimed at
    /// the physical doorbell, which the domain blocks.
    ///
    /// [linux-7.3] Left in the blocking domain, such a driver would have its vectors
    /// refused: iommu_dma_prepare_msi() returns -EOPNOTSUPP for a domain without an MSI
    /// cookie, the port driver falls back to INTx, and a port without INTx goes without its
    /// AER and PME services.
    ///
    /// Let such drivers say so with irq_only. Binding one moves a parked group to its
    /// default DMA domain, whose MSI cookie then maps the ITS doorbell when the driver
    /// requests vectors. Every driver that needs this has to be found and flagged.
    ///
    /// A group stays parked only until a driver that uses the DMA API or sets irq_only
    /// first binds: nothing parks it again when its drivers unbind. A group whose default
    /// domain is the identity domain, as with iommu.passthrough=1 or iommu=pt, is parked
    /// too: until then its devices can no longer DMA untranslated, and DMA that firmware
    /// left running is blocked unless an RMRR, an RMR or an iommu-addresses property
    /// describes it.
    ///
    /// This does not help a port that stays bound while VFIO takes its group, as when the
    /// port shares a group with an endpoint for lack of ACS: the port's vectors were
    /// prepared in the default DMA domain, and once the group moves to the blocking domain
    /// or to the user's domain their messages no longer reach the doorbell. Those MSIs are
    /// lost, as they are today.
    name = "irq-only-driver-flag";
    extends = "park-blocked";
    subject = "iommu: Unpark devices whose driver only needs interrupts";
    suggested_by = "Jason Gunthorpe <jgg@nvidia.com>";
    link = "https://lkml.iu.edu/hypermail/linux/kernel/2602.2/05845.html";

    /// An IRQ-only driver with managed DMA unparks the group without taking the DMA API.
    on dma_configure(dev, managed) {
        if managed && dev.irq_only && group(dev).domain == Blocked && group(dev).owner_cnt == 0 {
            set_domain(group(dev), Default)?;
        }
        inherit()?;
    }
}
