// expect: bad-value
scenario! {
    /// Names a platform the model does not know.
    name = "riscv-box";
    platform = Riscv64Iommu;

    driver e1000e { dma_api, msi }

    device nic { }

    moves {
        bind(nic, e1000e);
    }
}
