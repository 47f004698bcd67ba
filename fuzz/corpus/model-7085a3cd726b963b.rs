policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from th-API users.
    on dma_configure(dev, managed) {
        if group(dev).domain == Blocked && group(dev).owner_cnt == 0 {
            set_domain(group(dev), Default)?;
        }
        if !managed {
            use_default_domain(dev)?;
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-7108";

    /// A driver.
    driver drv0 { name = "drv0-k", managed_dma, vfio }

    /// A group.
    group g0 {
        /// A device.
        device d0 { untrusted, hotplug }
        /// A device.
        device d1 { untrusted, ats_required }
    }

    moves {
        bind(d1, drv0);
        unbind(d1);
        remove(d1);
        add(d1);
        vfio_open(g0) <= 1;
    }

    script {
        remove(d1);
        bind(d1, drv0);
        unbind(d1);
    }
}
