scenario! {
    /// A user asks for an IDENTITY default domain through sysfs before any driver binds to
    /// the device alone in its group: with 6.12 the unaccepted device gets untranslated DMA
    /// at once. Parking again after an unbind is exercised by cxl-ats-required.
    name = "singleton-identity";
    platform = Arm64Smmuv3;

    /// A DMA-API network driver (e1000e in QEMU).
    driver e1000e { dma_api, msi }

    /// An endpoint with ATS, alone in its group.
    device nic { ats }

    moves {
        write_type(g0, Identity);
        bind(nic, e1000e);
    }

    script {
        write_type(g0, Identity);
        bind(nic, e1000e);
    }
}
