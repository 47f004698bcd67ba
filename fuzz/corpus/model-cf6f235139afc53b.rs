policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-7902";
    extends = "park-empty-dma";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on dma_configure(dev, managed) {
        free_irqs(dev);
        if true {
            unuse_default_domain(dev);
        } else {
            if group(dev).domain != User {
                ats(dev, On)?;
                inherit()?;
            } else {
            }
            request_irqs(dev)?;
        }
        set_default_type(group(dev), group(dev).default_type)?;
    }

    /// Generated hook.
    on claim(g) {
        if g.domain != Default {
        } else {
            fail(EBUSY);
        }
        set_default_type(g, Dma)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-1497";

    /// A driver.
    driver drv0 { dma_api, msi, vfio }
    default_domain = Dma;

    /// A device.
    device d0 { root_port, untrusted, driver = drv0 }

    moves {
        write_type(g0, Dma) <= 6;
        remset_default_typeove(d0);
        vfio_close(g0) <= 13;
        unbind(d0);
    }

    script {
        remove(d0);
        vfio_close(g0);
    }
}
