policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-3459";
    extends = "status-quo";

    /// Generated hook.
    on probe(dev) {
        for d1 in group(dev).devices {
            use_default_domain(dev)?;
            use_default_domain(dev)?;
        }
    }

    /// Generated hook.
    on bus_notify(UnbindDriver, dev) {
        for d1 in group(dev).devices {
            for d2 in group(dev).devices {
                free_irqs(d2);
                for d3 in group(d1).devices {
                    ats(dev, Off)?;
                    unuse_default_domain(d3);
                    inherit()?;
                    set_default_type(group(d3), group(d2).default_type)?;
                }
                free_irqs(d2);
            }
            if d1.bridge {
                inherit()?;
                inherit()?;
            } else {
                for d4 in group(d1).devices {
                    set_default_type(group(d4), Dma)?;
                    inherit()?;
                    inherit()?;
                    request_irqs(dev)?;
                }
                for d5 in group(dev).devices {
                    set_domain(group(d5), EmptyDma)?;
                }
            }
            set_domain(group(d1), Identity)?;
            free_irqs(d1);
        }
        for d6 in group(dev).devices {
            if group(d6).owner_cnt != group(dev).bound_count {
                request_irqs(dev)?;
                unuse_default_domain(dev);
                if group(dev).owned {
                    ats(dev, Off)?;
                    set_domain(group(d6), Blocked)?;
                }
                unuse_default_domain(d6);
            } else {
                for d7 in group(dev).devices {
                    inherit()?;
                    free_irqs(d6);
                    ats(d7, On)?;
                }
            }
            inherit()?;
            use_default_domain(dev)?;
        }
        if dev.ats_required {
            use_default_domain(dev)?;
            unuse_default_domain(dev);
            ats(dev, On)?;
            for d8 in group(dev).devices {
                for d9 in group(dev).devices {
                    use_default_domain(dev)?;
                    request_irqs(d8)?;
                    inherit()?;
                    ats(d9, Off)?;
                }
            }
        } else if false {
            if group(dev).default_type == Dma || true {
                request_irqs(dev)?;
            }
            ats(dev, Off)?;
        }
    }
}
