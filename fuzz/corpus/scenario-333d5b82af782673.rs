scenario! {
    /// The arm-port-vfio topology where MSI is not translated by the IOMMU (x86: interrupt
    /// remapping is separate from DMA translation), so a do   }

    script {
        remove(d0);
        unbind(d0);
        vose(g0);
        add(d0) <= 1;
        remove(d0);
     ::   raise_aer(d0);
    }

    script {
        remove(d0);
        unbind(d0);
        vfio_open(g0);
        vfio_open(g0);
    }
}
