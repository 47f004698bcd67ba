//! How the checker keeps the states it has seen: packed, a few bytes each.
//!
//! A [`State`] is split into one *slot* per group: the group's own fields, the fields of
//! each device in it, and the counters of the moves that act on it. Each slot's distinct
//! contents are interned once ([`Interner`]), so a stored state is one small id per slot
//! ([`Codec`], 1, 2 or 4 bytes each: the narrowest that holds every id seen so far). The
//! stored states live end to end in one byte arena, in the order they were found; the
//! set of seen states is an open-addressing table of indices into that arena
//! ([`Table::Exact`]), or, as an opt-in, of 64-bit hashes of the packed state with no
//! arena behind it ([`Table::Compact`], SPIN's hash compaction: two states whose hashes
//! collide count as one, with the probability [`omission_probability`] says).
//!
//! Packing is exact whatever the scenario: a slot is only a way to cut a state into
//! pieces that recur, not a claim that groups are independent.

use crate::machine::{DevState, GroupState, State};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The content of one slot of a state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Local {
    group: GroupState,
    devices: Vec<DevState>,
    used: Vec<u8>,
}

/// Which parts of a [`State`] make up a slot.
#[derive(Clone, Debug)]
pub(crate) struct Slot {
    group: usize,
    devices: Vec<usize>,
    used: Vec<usize>,
}

/// A multiply-rotate hasher for the interners' small keys: the standard one resists
/// flooding, which a checker's own states do not attempt, at several times the cost.
#[derive(Default)]
pub(crate) struct Mix(u64);

impl Hasher for Mix {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7C_C1_B7_27_22_0A_95);
    }
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

/// The distinct contents of one slot, each with its id.
#[derive(Default)]
pub(crate) struct Interner {
    ids: HashMap<Local, u32, BuildHasherDefault<Mix>>,
    items: Vec<Local>,
}

impl Interner {
    pub(crate) fn get(&self, l: &Local) -> Option<u32> {
        self.ids.get(l).copied()
    }
    fn intern(&mut self, l: Local) -> u32 {
        if let Some(&id) = self.ids.get(&l) {
            return id;
        }
        let id = self.items.len() as u32;
        self.items.push(l.clone());
        self.ids.insert(l, id);
        id
    }
    fn bytes(&self) -> usize {
        // Each item is kept twice (the map's key and the list), with its vectors.
        self.items.first().map_or(0, |l| {
            2 * (std::mem::size_of::<Local>()
                + l.devices.len() * std::mem::size_of::<DevState>()
                + l.used.len())
                + 16
        }) * self.items.len()
    }
}

/// Cuts states into slots and packs their ids.
pub(crate) struct Codec {
    pub(crate) slots: Vec<Slot>,
    pub(crate) interners: Vec<Interner>,
    /// Bytes per slot id: 1, 2 or 4.
    width: usize,
    devices: usize,
    used: usize,
}

/// A slot id outgrew the codec's width: the search starts again, wider.
#[derive(Debug)]
pub(crate) struct Overflow;

impl Codec {
    /// One slot per group. `mover[i]` is the group whose slot holds move `i`'s counter.
    pub(crate) fn new(groups: usize, group_of: &[usize], mover: &[usize], width: usize) -> Codec {
        let slots = (0..groups)
            .map(|g| Slot {
                group: g,
                devices: (0..group_of.len()).filter(|&d| group_of[d] == g).collect(),
                used: (0..mover.len()).filter(|&i| mover[i] == g).collect(),
            })
            .collect::<Vec<_>>();
        Codec {
            interners: slots.iter().map(|_| Interner::default()).collect(),
            slots,
            width,
            devices: group_of.len(),
            used: mover.len(),
        }
    }

    /// Bytes of one packed state.
    pub(crate) fn key_len(&self) -> usize {
        self.slots.len() * self.width
    }

    fn max_id(&self) -> u64 {
        match self.width {
            1 => u64::from(u8::MAX),
            2 => u64::from(u16::MAX),
            _ => u64::from(u32::MAX),
        }
    }

    /// Slot `i` of `state`.
    pub(crate) fn local(&self, i: usize, state: &State) -> Local {
        let s = &self.slots[i];
        Local {
            group: state.groups[s.group].clone(),
            devices: s
                .devices
                .iter()
                .map(|&d| state.devices[d].clone())
                .collect(),
            used: s.used.iter().map(|&u| state.used[u]).collect(),
        }
    }

    /// Slot `i` of `state`, written over `l` (whose vectors are reused).
    pub(crate) fn local_into(&self, i: usize, state: &State, l: &mut Local) {
        let s = &self.slots[i];
        l.group.clone_from(&state.groups[s.group]);
        l.devices.clear();
        l.devices
            .extend(s.devices.iter().map(|&d| state.devices[d].clone()));
        l.used.clear();
        l.used.extend(s.used.iter().map(|&u| state.used[u]));
    }

    /// Whether slot `i` of `state` holds the interned content `id`: the test the checker
    /// makes before it looks a slot up, as a move changes one group's slot at most.
    pub(crate) fn same(&self, i: usize, state: &State, id: u32) -> bool {
        let s = &self.slots[i];
        let l = &self.interners[i].items[id as usize];
        state.groups[s.group] == l.group
            && s.devices
                .iter()
                .zip(&l.devices)
                .all(|(&d, x)| state.devices[d] == *x)
            && s.used
                .iter()
                .zip(&l.used)
                .all(|(&u, &x)| state.used[u] == x)
    }

    /// Interns a slot's content found by a worker (sequentially, in the order found).
    pub(crate) fn intern(&mut self, i: usize, l: Local) -> Result<u32, Overflow> {
        let id = self.interners[i].intern(l);
        if u64::from(id) > self.max_id() {
            return Err(Overflow);
        }
        Ok(id)
    }

    /// Writes the packed ids.
    pub(crate) fn pack(&self, ids: &[u32], out: &mut Vec<u8>) {
        for &id in ids {
            out.extend_from_slice(&id.to_le_bytes()[..self.width]);
        }
    }

    /// The ids of a packed state.
    pub(crate) fn unpack(&self, key: &[u8], ids: &mut Vec<u32>) {
        ids.clear();
        for c in key.chunks_exact(self.width) {
            let mut b = [0u8; 4];
            b[..self.width].copy_from_slice(c);
            ids.push(u32::from_le_bytes(b));
        }
    }

    /// Overwrites `st` (a state of the same scenario) with the state the ids stand for.
    pub(crate) fn decode_into(&self, ids: &[u32], st: &mut State) {
        debug_assert_eq!(st.devices.len(), self.devices);
        debug_assert_eq!(st.used.len(), self.used);
        for (i, &id) in ids.iter().enumerate() {
            let s = &self.slots[i];
            let l = &self.interners[i].items[id as usize];
            st.groups[s.group].clone_from(&l.group);
            for (&d, x) in s.devices.iter().zip(&l.devices) {
                st.devices[d].clone_from(x);
            }
            for (&u, &x) in s.used.iter().zip(&l.used) {
                st.used[u] = x;
            }
        }
    }

    /// Memory the interned slot contents take.
    pub(crate) fn bytes(&self) -> usize {
        self.interners.iter().map(Interner::bytes).sum()
    }
}

/// A 64-bit hash of a packed state (a multiply-xorshift mix over its 8-byte words).
pub(crate) fn hash(key: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = (key.len() as u64).wrapping_mul(K) ^ 0x2545_F491_4F6C_DD1D;
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = (h ^ w).wrapping_mul(K);
        h ^= h >> 29;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut b = [0u8; 8];
        b[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(b)).wrapping_mul(K);
        h ^= h >> 29;
    }
    h = (h ^ (h >> 32)).wrapping_mul(0xD6E8_FEB8_6659_FD93);
    h ^ (h >> 32)
}

/// The set of states seen.
pub(crate) enum Table {
    /// Slots hold 1 + the index of a state in the arena; 0 is empty.
    Exact { slots: Vec<u32>, len: usize },
    /// Slots hold a state's hash (0 is empty; a hash of 0 is stored as 1).
    Compact { slots: Vec<u64>, len: usize },
}

/// The arena of packed states, and the table that finds them.
pub(crate) struct Seen {
    pub(crate) table: Table,
    /// Exact: every state found, in order. Compact: only those not yet expanded, from
    /// `arena_base` on.
    arena: Vec<u8>,
    arena_base: usize,
    key_len: usize,
}

impl Seen {
    pub(crate) fn new(key_len: usize, compact: bool) -> Seen {
        let table = if compact {
            Table::Compact {
                slots: vec![0; 1024],
                len: 0,
            }
        } else {
            Table::Exact {
                slots: vec![0; 1024],
                len: 0,
            }
        };
        Seen {
            table,
            arena: Vec::new(),
            arena_base: 0,
            key_len,
        }
    }

    /// The packed state with index `i` (which must still be held).
    pub(crate) fn key(&self, i: usize) -> &[u8] {
        let at = (i - self.arena_base) * self.key_len;
        &self.arena[at..at + self.key_len]
    }

    /// Whether `key` was seen (read-only: the workers ask while nothing is inserted).
    pub(crate) fn contains(&self, key: &[u8]) -> bool {
        let h = hash(key);
        match &self.table {
            Table::Exact { slots, .. } => {
                let mask = slots.len() - 1;
                let mut i = (h as usize) & mask;
                loop {
                    match slots[i] {
                        0 => return false,
                        s if same_key(self.key(s as usize - 1), key) => return true,
                        _ => i = (i + 1) & mask,
                    }
                }
            }
            Table::Compact { slots, .. } => {
                let h = h.max(1);
                let mask = slots.len() - 1;
                let mut i = (h as usize) & mask;
                loop {
                    match slots[i] {
                        0 => return false,
                        s if s == h => return true,
                        _ => i = (i + 1) & mask,
                    }
                }
            }
        }
    }

    /// Adds `key`, which [`Seen::contains`] just said is new, as state `index`.
    pub(crate) fn insert_new(&mut self, key: &[u8], index: usize) {
        self.grow();
        let h = hash(key);
        match &mut self.table {
            Table::Exact { slots, len } => {
                let mask = slots.len() - 1;
                let mut i = (h as usize) & mask;
                while slots[i] != 0 {
                    i = (i + 1) & mask;
                }
                slots[i] = index as u32 + 1;
                *len += 1;
            }
            Table::Compact { slots, len } => {
                let h = h.max(1);
                let mask = slots.len() - 1;
                let mut i = (h as usize) & mask;
                while slots[i] != 0 {
                    i = (i + 1) & mask;
                }
                slots[i] = h;
                *len += 1;
            }
        }
        debug_assert_eq!(
            self.arena.len() / self.key_len.max(1) + self.arena_base,
            index
        );
        self.arena.extend_from_slice(key);
    }

    /// Keeps the load at most 3/4.
    fn grow(&mut self) {
        let (cap, len) = match &self.table {
            Table::Exact { slots, len } => (slots.len(), *len),
            Table::Compact { slots, len } => (slots.len(), *len),
        };
        if (len + 1) * 4 <= cap * 3 {
            return;
        }
        match &mut self.table {
            Table::Exact { slots, .. } => {
                // The arena holds every key: free the old table first and rebuild from it,
                // so a resize never holds two tables.
                *slots = Vec::new();
                let mut fresh = vec![0u32; cap * 2];
                let mask = cap * 2 - 1;
                let k = self.key_len.max(1);
                for (s, key) in self.arena.chunks_exact(k).enumerate() {
                    let mut i = (hash(key) as usize) & mask;
                    while fresh[i] != 0 {
                        i = (i + 1) & mask;
                    }
                    fresh[i] = s as u32 + 1;
                }
                *slots = fresh;
            }
            Table::Compact { slots, .. } => {
                let old = std::mem::replace(slots, vec![0; cap * 2]);
                let mask = cap * 2 - 1;
                for h in old.into_iter().filter(|&h| h != 0) {
                    let mut i = (h as usize) & mask;
                    while slots[i] != 0 {
                        i = (i + 1) & mask;
                    }
                    slots[i] = h;
                }
            }
        }
    }

    /// Compact only: forgets the packed states before index `upto` (expanded already).
    pub(crate) fn forget_before(&mut self, upto: usize) {
        if matches!(self.table, Table::Exact { .. }) || upto <= self.arena_base {
            return;
        }
        let cut = (upto - self.arena_base) * self.key_len;
        self.arena.drain(..cut);
        self.arena.shrink_to_fit();
        self.arena_base = upto;
    }

    pub(crate) fn len(&self) -> usize {
        match &self.table {
            Table::Exact { len, .. } | Table::Compact { len, .. } => *len,
        }
    }

    /// Memory the table and the arena take now.
    pub(crate) fn bytes(&self) -> usize {
        let t = match &self.table {
            Table::Exact { slots, .. } => slots.len() * 4,
            Table::Compact { slots, .. } => slots.len() * 8,
        };
        t + self.arena.capacity()
    }
}

/// Two packed states of one length compared: short ones (the usual) without a call.
#[inline]
fn same_key(a: &[u8], b: &[u8]) -> bool {
    if a.len() <= 8 {
        a.iter().zip(b).all(|(x, y)| x == y)
    } else {
        a == b
    }
}

/// The probability that hash compaction merged at least two of `n` distinct states
/// (64-bit hashes: about n² / 2⁶⁵).
pub fn omission_probability(n: usize) -> f64 {
    let n = n as f64;
    (n * (n - 1.0) / 2.0 / 2f64.powi(64)).min(1.0)
}
