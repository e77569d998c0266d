//! Regression test of the k benchmark (`examples/k_accuracy.rs` runs the full table): a
//! fast subset of labelled sets whose number of groups is known and recoverable, the
//! harder separations included. The page's recommendation must be right as often as when
//! the rule was chosen, and ahead of every single index on the same sets.

use segmentation::core::k_bench::{draw_sets, picks, DrawOptions, METHODS};

/// Right picks of the recommendation on the 16 sets below when the rule was chosen: 16.
/// (On the full benchmark, 2 × 96 sets: 95 and 95 of 96.)
const OURS_AT_LEAST: usize = 16;

#[test]
fn the_recommended_k_is_right_on_the_fast_subset_and_beats_every_single_index() {
    let options = DrawOptions { count: 16, min_rows: 800, max_rows: 2_500, min_separation: 1.5, max_separation: 3.0, seed: 2026 };
    let sets = draw_sets(&options).unwrap().kept;
    assert_eq!(sets.len(), 16, "every k from 2 to 9 has recoverable sets");
    let mut right = [0usize; METHODS.len()];
    let mut wrong = Vec::new();
    for set in &sets {
        let (_, picked) = picks(set).unwrap();
        for (m, p) in picked.iter().enumerate() {
            if *p == Some(set.spec.k) {
                right[m] += 1;
            } else if m == 0 {
                wrong.push((set.spec, *p));
            }
        }
    }
    println!("{:?}", METHODS.iter().zip(right).collect::<Vec<_>>());
    assert!(right[0] >= OURS_AT_LEAST, "ours right on {} of 16 (was {OURS_AT_LEAST}): wrong on {wrong:?}", right[0]);
    // Every single index: the methods after ours.
    for (name, &r) in METHODS[1..].iter().zip(&right[1..]) {
        assert!(right[0] > r, "ours ({}) is not ahead of {name} ({r})", right[0]);
    }
}
