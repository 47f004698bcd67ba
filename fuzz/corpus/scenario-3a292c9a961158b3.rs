scenario! {
    /// A generated scenario.
    name = "fuzz-2587";
    msi_translated = false;

     /// The CXL.cache device.
    device acc { ats_required }

    moves {
        bind(acc, cxl_accel);
        unbind(acc);
        bind(acc, vfio_pci);
        vfio_open(g0);
        vfio_close(g0);
    }

    script {
        bind(acc, cxl_accel);
        unbind(acc);
    }
}
