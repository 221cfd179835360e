//! Limits on numbers and sizes that come from outside (data, model and experiment files,
//! settings), checked where they enter so nothing later overflows, allocates terabytes or
//! feeds NaN to a clamp.

/// Largest magnitude accepted for a data value, a scaler or an input given on the command
/// line. Squares and sums of squares stay finite in f64 (1e60 ≪ 1e308) and a standardised
/// value fits f32; ±1e300 data would make the fitted scales and every NLL overflow.
pub const MAX_ABS_VALUE: f64 = 1e30;

/// Smallest standard deviation a scaler may have (its inverse is [`MAX_ABS_VALUE`]).
pub const MIN_SCALE: f64 = 1e-30;

/// Most trainable parameters a network may have (f32 weights, Adam moments and gradients:
/// about 16 bytes each, so 1.6 GB at this cap), checked before anything is allocated.
pub const MAX_PARAMETERS: usize = 100_000_000;

/// Weights and biases of a network with `n_inputs` inputs, these hidden widths and
/// `params_size` outputs; `None` when the count does not fit a `usize`.
pub fn parameter_count(n_inputs: usize, hidden: &[usize], params_size: usize) -> Option<usize> {
    let mut total = 0usize;
    let mut n_in = n_inputs;
    for &width in hidden.iter().chain(std::iter::once(&params_size)) {
        let layer = n_in.checked_add(1)?.checked_mul(width)?;
        total = total.checked_add(layer)?;
        n_in = width;
    }
    Some(total)
}

/// The first value (index, value) that is not finite or lies beyond ±[`MAX_ABS_VALUE`].
pub fn first_out_of_range(values: impl IntoIterator<Item = f64>) -> Option<(usize, f64)> {
    values
        .into_iter()
        .enumerate()
        .find(|&(_, v)| !v.is_finite() || v.abs() > MAX_ABS_VALUE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_parameters_without_overflow() {
        assert_eq!(
            parameter_count(1, &[128, 128], 48),
            Some(2 * 128 + 129 * 128 + 129 * 48)
        );
        assert_eq!(parameter_count(3, &[], 2), Some(8));
        assert_eq!(parameter_count(1, &[4_611_686_018_427_387_904], 2), None);
        assert_eq!(parameter_count(1, &[usize::MAX], 2), None);
    }

    #[test]
    fn finds_huge_and_non_finite_values() {
        assert_eq!(first_out_of_range([1.0, -1e30, 2.0]), None);
        assert_eq!(first_out_of_range([1.0, -1e31]), Some((1, -1e31)));
        assert!(first_out_of_range([f64::NAN]).is_some());
        assert!(first_out_of_range([f64::INFINITY]).is_some());
    }
}
