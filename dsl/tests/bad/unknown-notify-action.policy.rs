// expect: unknown-notify-action
policy! {
    /// Uses a notifier action that does not exist.
    name = "typo-notify";

    on bus_notify(BindDrivers, dev) {}
}
