scenario! {
    /// A generated scenario.
    name = "fuzz-2298";
    msi_translated = true;

    /// A driver.
    driver drv0 { name = "drv0-k", managed_dma, msi }

    /// A group.
    group g0 {
        default_type = Dma;
        /// A device.
        device d0 { pci = "0000:00:00.0" }
    }

    /// A group.
    group g1 {
        default_type = Identity;
        /// A device.
        device d1 { untrusted }
    }

    /// A group.
    group g2 {
        /// A device.
        device d2 { pci = "0000:02:00.0" }
    }

    moves {
        raise_aer(d2) <= 7;
        add(d0) <= 11;
        vfio_open(g0) <= 10;
        unbind(d2);
        vfio_close(g0);
        vfio_close(g2) <= 8;
        remove(d0);
        remove(d2);
    }

    script {
        raise_aer(d2);
        unbind(d2);
        unbind(d2);
        raise_aer(d2);
    }
}
