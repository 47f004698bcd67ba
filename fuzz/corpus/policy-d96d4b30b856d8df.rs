policy! {
    /// A generated policy.
    /// Robin Murphy: iommu_prepare_default_domain(dev, managed). For every driver it moves a
    ///
    /// Its hooks are drawn from the language's tables.
    Identity = "fuzz-4694";
    extends = "prepare-default-domain";
    subject = "iommu: A generated change";

    /// Generated hook.
    on dma_configure(dev, managed) {
        free_irqs(dev);
        ats(dev, On)?;
    }

    /// Generated hook.
    on claim(g) {
        fail(EBUSY);
    }

    /// Generated hook.
    on msi_cookie(g) {
        set_domain(g, EmptyDma)?;
        if cfg(IRQ_MSI_IOMMU) {
            set_default_type(g, g.default_type)?;
            fail(ENOMEM);
        }
        set_domain(g, Dma)?;
    }
}
