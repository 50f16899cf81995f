//! Size classes for small objects.
//!
//! A *slot* holds the 8-byte [`GcHeader`](crate::object) followed by the payload, so a request
//! for `n` payload bytes needs a slot of at least `n + HEADER_SIZE` bytes. Slot sizes are
//! multiples of 16-byte granules: every granule count up to 128 bytes (16, 32, ..., 128), then
//! four classes per power of two (160, 192, 224, 256, 320, ...) up to [`MAX_SMALL_SLOT`]
//! (8 KiB). The worst-case internal waste is therefore below 25% of the slot (and at most 15
//! bytes for slots up to 128 bytes). Anything bigger is a *large* object with its own pages.
//!
//! The mapping from a request to its class is a table lookup indexed by granule count, so the
//! allocation fast path pays one bounds check and one load.

use crate::object::HEADER_SIZE;

/// Allocation granule: every slot size is a multiple of this.
pub const GRANULE: usize = 16;

/// The largest slot (header included) served from shared small-object pages.
pub const MAX_SMALL_SLOT: usize = 8 * 1024;

/// The largest payload served from small-object pages; bigger payloads are large objects.
pub const MAX_SMALL_PAYLOAD: usize = MAX_SMALL_SLOT - HEADER_SIZE;

/// Slot size (header included) of every small size class, ascending.
pub const CLASS_SLOT_SIZES: [usize; NUM_CLASSES] = build_class_sizes();

/// Number of small size classes.
pub const NUM_CLASSES: usize = 8 + 4 * 6;

const fn build_class_sizes() -> [usize; NUM_CLASSES] {
    let mut sizes = [0usize; NUM_CLASSES];
    let mut i = 0;
    // 16, 32, ..., 128: one class per granule.
    while i < 8 {
        sizes[i] = (i + 1) * GRANULE;
        i += 1;
    }
    // Four classes per power of two: (128, 256] step 32, (256, 512] step 64, ...
    let mut base = 128;
    while i < NUM_CLASSES {
        let step = base / 4;
        let mut k = 1;
        while k <= 4 {
            sizes[i] = base + k * step;
            i += 1;
            k += 1;
        }
        base *= 2;
    }
    sizes
}

/// Number of granules in the largest small slot.
const MAX_GRANULES: usize = MAX_SMALL_SLOT / GRANULE;

/// `GRANULE_TO_CLASS[g]` = the smallest class whose slot holds `g` granules (`g >= 1`).
static GRANULE_TO_CLASS: [u8; MAX_GRANULES + 1] = build_granule_table();

const fn build_granule_table() -> [u8; MAX_GRANULES + 1] {
    let sizes = build_class_sizes();
    let mut table = [0u8; MAX_GRANULES + 1];
    let mut g = 1;
    let mut class = 0;
    while g <= MAX_GRANULES {
        while sizes[class] < g * GRANULE {
            class += 1;
        }
        table[g] = class as u8;
        g += 1;
    }
    table
}

/// The size class for a payload of `payload_size` bytes, or `None` if it is a large object.
/// A zero-byte payload is treated as one byte (every slot has room for the free-list link).
#[inline(always)]
pub fn class_of(payload_size: usize) -> Option<usize> {
    if payload_size > MAX_SMALL_PAYLOAD {
        return None;
    }
    // payload_size <= MAX_SMALL_PAYLOAD, so this cannot overflow and the index is <= MAX_GRANULES.
    let granules = (payload_size.max(1) + HEADER_SIZE).div_ceil(GRANULE);
    Some(GRANULE_TO_CLASS[granules] as usize)
}

/// Slot size (header included) of `class`.
#[inline(always)]
pub fn slot_size(class: usize) -> usize {
    CLASS_SLOT_SIZES[class]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_sizes_are_ascending_granule_multiples() {
        assert_eq!(CLASS_SLOT_SIZES[0], 16);
        assert_eq!(CLASS_SLOT_SIZES[7], 128);
        assert_eq!(CLASS_SLOT_SIZES[8], 160);
        assert_eq!(CLASS_SLOT_SIZES[NUM_CLASSES - 1], MAX_SMALL_SLOT);
        for w in CLASS_SLOT_SIZES.windows(2) {
            assert!(w[0] < w[1]);
        }
        for s in CLASS_SLOT_SIZES {
            assert_eq!(s % GRANULE, 0);
        }
    }

    #[test]
    fn mapping_covers_every_small_size_with_minimal_waste() {
        assert_eq!(class_of(0), Some(0));
        for size in 1..=MAX_SMALL_PAYLOAD {
            let class = class_of(size).expect("small size must have a class");
            let slot = slot_size(class);
            assert!(
                slot >= size + HEADER_SIZE,
                "size {size}: slot {slot} too small"
            );
            // Minimal: the next smaller class would not fit.
            if class > 0 {
                assert!(
                    slot_size(class - 1) < size + HEADER_SIZE,
                    "size {size}: waste"
                );
            }
            // Bounded waste: < 25% of the slot beyond granule rounding.
            let needed = (size + HEADER_SIZE).div_ceil(GRANULE) * GRANULE;
            assert!((slot - needed) * 4 < slot, "size {size}: slot {slot}");
        }
        assert_eq!(class_of(MAX_SMALL_PAYLOAD + 1), None);
        assert_eq!(class_of(usize::MAX), None);
    }
}
