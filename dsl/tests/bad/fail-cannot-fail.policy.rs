// expect: fail-cannot-fail
policy! {
    /// Fails a notifier, whose result nobody reads.
    name = "notifier-fail";

    on bus_notify(BindDriver, dev) {
        if group(dev).owned {
            fail(EBUSY);
        }
    }
}
