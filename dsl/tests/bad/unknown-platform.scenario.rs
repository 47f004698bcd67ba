// expect: bad-value
scenario! {
    /// Names a platform the model does not know.
    name = "riscv-box";
    platform = Riscv64Iommu;

    driver e1000e { dma_api, msi }

    group g0 {
        device nic { pci = "0000:01:00.0" }
    }

    moves {
        bind(nic, e1000e);
    }
}
