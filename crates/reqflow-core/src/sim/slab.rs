//! `Slab`: values addressed by a `u32` slot that is reused once the value is removed, so a long
//! run keeps only as many slots as it ever had values alive at once.

use std::ops::{Index, IndexMut};

/// A pool of values addressed by `u32` slots. [`Slab::insert`] reuses the most recently freed
/// slot first (last in, first out), else appends a new one.
///
/// Slot numbers never reach the output: ids are derived from call-tree keys, events are ordered
/// by (time, sequence number), and waiting lines keep arrival order. The reuse order is fixed
/// anyway, so a run allocates the same slots every time.
pub(super) struct Slab<T> {
    /// `None` for a free slot.
    entries: Vec<Option<T>>,
    /// Free slots, the next to reuse last.
    free: Vec<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab { entries: Vec::new(), free: Vec::new() }
    }
}

impl<T> Slab<T> {
    /// Stores `value` and returns its slot.
    pub(super) fn insert(&mut self, value: T) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                debug_assert!(self.entries[slot as usize].is_none());
                self.entries[slot as usize] = Some(value);
                slot
            }
            None => {
                self.entries.push(Some(value));
                u32::try_from(self.entries.len() - 1).expect("fewer than 2^32 values alive at once")
            }
        }
    }

    /// Takes the value out of `slot` and frees the slot. Panics if the slot holds no value.
    pub(super) fn remove(&mut self, slot: u32) -> T {
        let value = self.entries[slot as usize].take().expect("removing a value that is in the slab");
        self.free.push(slot);
        value
    }

    /// The value in `slot`. Panics if the slot holds no value.
    pub(super) fn get(&self, slot: u32) -> &T {
        self.entries[slot as usize].as_ref().expect("a slot that holds a value")
    }

    /// The value in `slot`. Panics if the slot holds no value.
    pub(super) fn get_mut(&mut self, slot: u32) -> &mut T {
        self.entries[slot as usize].as_mut().expect("a slot that holds a value")
    }
}

impl<T> Index<u32> for Slab<T> {
    type Output = T;

    fn index(&self, slot: u32) -> &T {
        self.get(slot)
    }
}

impl<T> IndexMut<u32> for Slab<T> {
    fn index_mut(&mut self, slot: u32) -> &mut T {
        self.get_mut(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::Slab;

    #[test]
    fn slots_are_appended_in_order_while_none_is_free() {
        let mut slab = Slab::default();
        assert_eq!([slab.insert('a'), slab.insert('b'), slab.insert('c')], [0, 1, 2]);
        assert_eq!([slab[0], slab[1], slab[2]], ['a', 'b', 'c']);
    }

    #[test]
    fn freed_slots_are_reused_last_in_first_out() {
        let mut slab = Slab::default();
        for value in 0..5 {
            slab.insert(value);
        }
        assert_eq!(slab.remove(1), 1);
        assert_eq!(slab.remove(3), 3);
        assert_eq!(slab.remove(0), 0);
        // The most recently freed slot first, then a new slot once none is free.
        let slots: Vec<u32> = (10..14).map(|value| slab.insert(value)).collect();
        assert_eq!(slots, [0, 3, 1, 5]);
        assert_eq!([slab[0], slab[1], slab[2], slab[3], slab[4], slab[5]], [10, 12, 2, 11, 4, 13]);
    }

    #[test]
    fn values_can_be_changed_in_place() {
        let mut slab = Slab::default();
        let slot = slab.insert(vec![1]);
        slab.get_mut(slot).push(2);
        slab[slot].push(3);
        assert_eq!(slab.get(slot), &[1, 2, 3]);
    }

    #[test]
    #[should_panic(expected = "a slot that holds a value")]
    fn a_removed_value_is_gone() {
        let mut slab = Slab::default();
        let slot = slab.insert("span");
        slab.remove(slot);
        let _ = slab.get(slot);
    }

    #[test]
    #[should_panic(expected = "removing a value that is in the slab")]
    fn a_slot_is_freed_once() {
        let mut slab = Slab::default();
        let slot = slab.insert(1u8);
        slab.remove(slot);
        slab.remove(slot);
    }
}
