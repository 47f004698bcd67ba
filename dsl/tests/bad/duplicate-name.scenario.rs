// expect: duplicate-name
scenario! {
    /// Declares one device name twice.
    name = "two-ports";

    device port { pci = "0000:00:02.0" }
    device port { pci = "0000:00:03.0" }

    moves {
        remove(port);
    }
}
