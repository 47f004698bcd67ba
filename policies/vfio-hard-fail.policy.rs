policy! {
    /// Refuse DMA ownership of a group while another member has MSI vectors whose doorbell
    /// is mapped through the group's domain (thread P9).
    ///
    /// Switching a group's domain under a driver that keeps its interrupts, such as the
    /// PCIe port driver staying bound while VFIO owns the group, loses them. Failing is
    /// better than losing interrupts silently: refuse DMA ownership with -EBUSY while
    /// another PCI device in the group has MSI or MSI-X vectors whose doorbell is mapped
    /// through the group's domain. This regresses users of hardware without ACS, whose root
    /// port shares the endpoint's group.
    ///
    /// The check looks at what the vectors carry, not at how the kernel is built: only
    /// the irqchips that map a doorbell through the IOMMU, from iommu_dma_prepare_msi(),
    /// record one. On x86 interrupts are remapped apart from DMA, so the port's vectors
    /// survive the domain switch and taking ownership succeeds as before. Only PCI devices
    /// are checked: a platform or fsl-mc device whose MSIs go through an ITS behind the
    /// same IOMMU does not block the claim.
    ///
    /// Refusing ownership alone is not enough: a driver_managed_dma driver such as the port
    /// driver can bind to another member while a user owns the group, or race with the
    /// claim, whose group->mutex nothing orders against the device lock the probe runs
    /// under.
    ///
    /// [linux-6.12] Its vectors are then prepared in the blocking or the user's domain and
    /// their doorbell is lost once the group moves on (bind the port while VFIO takes the
    /// group, close the group, raise an AER error).
    ///
    /// [linux-7.3] Its vectors are then prepared in the user's domain and their doorbell is
    /// lost once the group moves on (bind the port while VFIO takes the group, close the
    /// group, raise an AER error); in the blocking domain, which has no MSI cookie,
    /// iommu_dma_prepare_msi() refuses them.
    ///
    /// Such a driver has no vectors when it binds, so refuse the vectors rather than the
    /// bind: iommu_dma_prepare_msi() fails with -EBUSY for a device whose driver is still
    /// probing it while a user owns its group. The port driver then falls back from MSI-X
    /// and MSI to INTx, which does not go through the IOMMU, and keeps its AER and PME
    /// services where the port has INTx; a port without INTx goes without them. vfio-pci
    /// and pci-stub bind to other members of an owned group as before; VFIO's own vectors
    /// are allocated for its user once the device is bound and are not affected. On x86 no
    /// irqchip prepares MSI through the IOMMU, and nothing changes.
    ///
    /// Both refusals say why in the kernel log, rate-limited, against the device they
    /// concern: the member whose vectors keep the group from changing hands, and the
    /// device whose driver is refused MSI. Otherwise a user sees only -EBUSY from VFIO, or
    /// a port that came up with INTx.
    ///
    /// [linux-6.12] The vectors are refused from iommu_dma_prepare_msi() under
    /// group->mutex, which it takes with the device's MSI descriptor mutex and the irq
    /// domain's mutex held; the claim path takes neither under group->mutex, so the order
    /// is new but not inverted.
    ///
    /// [linux-7.3] The vectors are refused under the group->mutex that
    /// iommu_dma_prepare_msi() already holds: the check takes no lock of its own and adds
    /// no lock ordering.
    ///
    /// A window remains: the claim sees a member's vectors only once its MSI is enabled,
    /// so a claim that lands between their preparation and the end of
    /// pci_alloc_irq_vectors() still succeeds. Closing it needs the claim to see vectors
    /// being allocated.
    name = "vfio-hard-fail";
    extends = "status-quo";
    subject = "iommu: Refuse DMA ownership while a member's MSIs use the group's domain";
    suggested_by = "Jason Gunthorpe <jgg@nvidia.com>";
    link = "https://lkml.iu.edu/hypermail/linux/kernel/2602.3/05415.html";

    /// A member whose vectors carry a doorbell IOVA of the group's domain blocks the claim.
    on claim(g) {
        for d in g.devices {
            if d.msi_iova {
                fail(EBUSY, "MSIs use the IOMMU group's domain, refusing DMA ownership");
            }
        }
        inherit()?;
    }

    /// A driver probing a member of a group a user owns gets no MSI through the IOMMU.
    on prepare_msi(dev) {
        if group(dev).owned {
            fail(EBUSY, "refusing MSI while a user owns the IOMMU group");
        }
    }
}
