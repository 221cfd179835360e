//! Seeded train/test split.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::dataset::Dataset;
use super::error::DataError;

impl Dataset {
    /// Splits into `(train, test)` after a seeded shuffle of the rows.
    ///
    /// The test part has `round(len() * test_fraction)` rows. Same seed ⇒ same split.
    /// Errors if `test_fraction` is not strictly between 0 and 1 or if either part would be
    /// empty.
    pub fn split(&self, test_fraction: f64, seed: u64) -> Result<(Dataset, Dataset), DataError> {
        if !(test_fraction > 0.0 && test_fraction < 1.0) {
            return Err(DataError::InvalidTestFraction {
                fraction: test_fraction,
            });
        }
        let n = self.len();
        let n_test = (n as f64 * test_fraction).round() as usize;
        if n_test == 0 || n_test >= n {
            return Err(DataError::SplitTooSmall {
                n_rows: n,
                fraction: test_fraction,
            });
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut StdRng::seed_from_u64(seed));
        let (test_rows, train_rows) = order.split_at(n_test);
        Ok((self.subset(train_rows)?, self.subset(test_rows)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(n: usize) -> Dataset {
        let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let y: Vec<f64> = (0..n).map(|i| (i * 10) as f64).collect();
        Dataset::new(vec!["x".into()], "y".into(), x, y).unwrap()
    }

    #[test]
    fn sizes_and_partition() {
        let d = numbered(101);
        let (train, test) = d.split(0.25, 7).unwrap();
        assert_eq!(test.len(), 25);
        assert_eq!(train.len(), 76);
        let mut all: Vec<f64> = train.x().iter().chain(test.x()).copied().collect();
        all.sort_by(f64::total_cmp);
        assert_eq!(d.x_flat(), all);
        // rows stay intact
        for i in 0..train.len() {
            assert_eq!(train.y()[i], train.x()[[i, 0]] * 10.0);
        }
    }

    #[test]
    fn deterministic_per_seed() {
        let d = numbered(200);
        let a = d.split(0.5, 1).unwrap();
        let b = d.split(0.5, 1).unwrap();
        let c = d.split(0.5, 2).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.0.x_flat(), c.0.x_flat());
    }

    #[test]
    fn rejects_bad_fractions_and_empty_parts() {
        let d = numbered(3);
        for f in [0.0, 1.0, -0.1, 1.5, f64::NAN] {
            assert!(matches!(
                d.split(f, 0),
                Err(DataError::InvalidTestFraction { .. })
            ));
        }
        assert!(matches!(
            d.split(0.1, 0),
            Err(DataError::SplitTooSmall { n_rows: 3, .. })
        ));
        assert!(matches!(
            d.split(0.9, 0),
            Err(DataError::SplitTooSmall { .. })
        ));
        assert!(matches!(
            numbered(1).split(0.5, 0),
            Err(DataError::SplitTooSmall { .. })
        ));
    }
}
