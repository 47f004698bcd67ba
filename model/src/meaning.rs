//! The one table from a construct to its model meaning.
//!
//! Every action and every attribute of the vocabulary has one row here, naming the
//! [`Machine`] method that gives it its meaning (or, for control flow and structure, what
//! it is instead). The interpreter ([`crate::interp`]) runs a row's function; the code
//! generator ([`crate::codegen`]) writes a call to the row's method. Both matches are
//! exhaustive, so a new vocabulary row does not compile until it has its meaning here.

use crate::interp::Value;
use crate::machine::Machine;
use std::slice;
#[cfg(test)]
use switchyard_dsl::vocab::Kind;
use switchyard_dsl::vocab::{Action, Attr, Errno};

/// What an action does in the model.
#[derive(Clone, Copy)]
pub(crate) enum ActionMeaning {
    /// A call of a [`Machine`] method with the action's arguments.
    Method(Method),
    /// `fail(e)`: the hook returns the errno.
    Fail,
    /// `inherit()`: the parent policy's body for the same hook runs, with the same parameters.
    Inherit,
}

/// An action's [`Machine`] method.
#[derive(Clone, Copy)]
pub(crate) struct Method {
    /// The method's name, as generated code calls it.
    pub(crate) name: &'static str,
    /// The kinds of its arguments, in order (checked against the vocabulary).
    #[cfg(test)]
    pub(crate) params: &'static [Kind],
    /// Whether it returns a `Result` (generated code then writes `?`).
    pub(crate) fallible: bool,
    /// Runs it on checked arguments of [`params`](Self::params)' kinds.
    pub(crate) run: fn(&mut Machine, &[Value]) -> Result<(), Errno>,
}

/// What an attribute `x.name` reads in the model.
#[derive(Clone, Copy)]
pub(crate) enum AttrMeaning {
    /// The value of a [`Machine`] method on the base.
    Predicate(Predicate),
    /// `g.domain`: the group's current domain, only compared — with a literal through
    /// [`Machine::domain_is`], with another group's by the attached domain objects.
    CurrentDomain,
    /// `g.devices`: the group itself, as the range of a `for` loop over its members.
    Members,
}

/// An attribute's [`Machine`] method.
#[derive(Clone, Copy)]
pub(crate) struct Predicate {
    /// The method's name, as generated code calls it.
    pub(crate) name: &'static str,
    /// The kind of the base it is read on (checked against the vocabulary).
    #[cfg(test)]
    pub(crate) on: Kind,
    /// The kind of its value (checked against the vocabulary).
    #[cfg(test)]
    pub(crate) kind: Kind,
    /// Reads it on a checked base of kind [`on`](Self::on).
    pub(crate) read: fn(&Machine, Value) -> Value,
}

/// The arguments of a checked call, taken in order.
struct Args<'a>(slice::Iter<'a, Value>);

impl Args<'_> {
    fn next(&mut self) -> Value {
        *self
            .0
            .next()
            .expect("checked IR: an action gets one argument per parameter")
    }
}

/// A value of a kind, as the Rust type a [`Machine`] method takes.
macro_rules! arg {
    (Device, $v:expr) => {
        $v.device()
    };
    (Group, $v:expr) => {
        $v.group()
    };
    (Domain, $v:expr) => {
        $v.domain()
    };
    (DomainType, $v:expr) => {
        $v.domain_type()
    };
    (Ats, $v:expr) => {
        $v.ats()
    };
}

/// An action row: `method!(name(Kind, ..)?)` for a method returning `Result<(), Errno>`,
/// `method!(name(Kind, ..))` for one returning nothing.
macro_rules! method {
    ($name:ident($($k:ident),*)?) => {
        ActionMeaning::Method(Method {
            name: stringify!($name),
            #[cfg(test)]
            params: &[$(Kind::$k),*],
            fallible: true,
            run: |m, v| {
                let mut _args = Args(v.iter());
                m.$name($(arg!($k, _args.next())),*)
            },
        })
    };
    ($name:ident($($k:ident),*)) => {
        ActionMeaning::Method(Method {
            name: stringify!($name),
            #[cfg(test)]
            params: &[$(Kind::$k),*],
            fallible: false,
            run: |m, v| {
                let mut _args = Args(v.iter());
                m.$name($(arg!($k, _args.next())),*);
                Ok(())
            },
        })
    };
}

/// An attribute row: `predicate!(name(BaseKind) -> ValueKind)`; the value kind names the
/// [`Value`] variant the method's result is wrapped in.
macro_rules! predicate {
    ($name:ident($on:ident) -> $kind:ident) => {
        AttrMeaning::Predicate(Predicate {
            name: stringify!($name),
            #[cfg(test)]
            on: Kind::$on,
            #[cfg(test)]
            kind: Kind::$kind,
            read: |m, b| Value::$kind(m.$name(arg!($on, b))),
        })
    };
}

/// The model meaning of an action.
pub(crate) fn action(a: Action) -> ActionMeaning {
    match a {
        Action::SetDomain => method!(set_domain(Group, Domain)?),
        Action::SetDefaultType => method!(set_default_type(Group, DomainType)?),
        Action::UseDefaultDomain => method!(use_default_domain(Device)?),
        Action::UnuseDefaultDomain => method!(unuse_default_domain(Device)),
        Action::MaskMsis => method!(mask_msis(Device)),
        Action::RetargetMsis => method!(retarget_msis(Device)),
        Action::Ats => method!(ats(Device, Ats)?),
        Action::Fail => ActionMeaning::Fail,
        Action::Inherit => ActionMeaning::Inherit,
    }
}

/// The model meaning of an attribute.
pub(crate) fn attribute(a: Attr) -> AttrMeaning {
    match a {
        Attr::Bound => predicate!(bound(Device) -> Bool),
        Attr::ManagedDma => predicate!(managed_dma(Device) -> Bool),
        Attr::IrqOnly => predicate!(irq_only(Device) -> Bool),
        Attr::MsiLive => predicate!(msi_live(Device) -> Bool),
        Attr::MsiIova => predicate!(msi_iova(Device) -> Bool),
        Attr::Untrusted => predicate!(untrusted(Device) -> Bool),
        Attr::RequireDirect => predicate!(require_direct(Device) -> Bool),
        Attr::AtsRequired => predicate!(ats_required(Device) -> Bool),
        Attr::AtsOn => predicate!(ats_on(Device) -> Bool),
        Attr::Bridge => predicate!(bridge(Device) -> Bool),
        Attr::Domain => AttrMeaning::CurrentDomain,
        Attr::DefaultType => predicate!(default_type(Group) -> DomainType),
        Attr::Owned => predicate!(owned(Group) -> Bool),
        Attr::OwnerCnt => predicate!(owner_cnt(Group) -> Int),
        Attr::BoundCount => predicate!(bound_count(Group) -> Int),
        Attr::GroupRequireDirect => predicate!(group_require_direct(Group) -> Bool),
        Attr::GroupAttachDeferred => predicate!(group_attach_deferred(Group) -> Bool),
        Attr::Singleton => predicate!(singleton(Group) -> Bool),
        Attr::Devices => AttrMeaning::Members,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_dsl::vocab::{ACTIONS, ATTRS};

    /// Each action's meaning takes the vocabulary's parameters, and needs `?` exactly
    /// where the vocabulary says the action can fail.
    #[test]
    fn actions_agree_with_the_vocabulary() {
        for spec in ACTIONS {
            let (params, fallible): (&[Kind], bool) = match action(spec.action) {
                ActionMeaning::Method(m) => (m.params, m.fallible),
                ActionMeaning::Fail => (&[Kind::Errno], false),
                ActionMeaning::Inherit => (&[], true),
            };
            assert_eq!(params, spec.params, "{}", spec.name);
            assert_eq!(fallible, spec.fallible, "{}", spec.name);
            if let ActionMeaning::Method(m) = action(spec.action) {
                assert_eq!(m.name, spec.name, "{}", spec.name);
            }
        }
    }

    /// Each attribute's meaning is read on the vocabulary's base kind and has its kind.
    #[test]
    fn attributes_agree_with_the_vocabulary() {
        for spec in ATTRS {
            let (on, kind) = match attribute(spec.attr) {
                AttrMeaning::Predicate(p) => (p.on, p.kind),
                AttrMeaning::CurrentDomain => (Kind::Group, Kind::Domain),
                AttrMeaning::Members => (Kind::Group, Kind::Devices),
            };
            assert_eq!((on, kind), (spec.on, spec.kind), "{}", spec.name);
        }
    }
}
