//! Predictions as CSV: one row per input row with the inputs, the target when known, then
//! mean, std, median, mode and the 5 %/95 % quantiles (regression) or p(y=1|x) (classifier),
//! and log_prob when the target is known.

use ndarray::{ArrayRef1, ArrayRef2};

use crate::nn::{Model, Predictive};

/// The column names of [`predictions_csv`] for a model, with or without a known target.
pub fn prediction_columns(model: &Model, with_target: bool) -> Vec<String> {
    let mut names = model.spec.x_names.clone();
    if with_target {
        names.push(model.spec.y_name.clone());
    }
    let stats: &[&str] = if model.head().is_classifier() {
        &["p1"]
    } else {
        &["mean", "std", "median", "mode", "q05", "q95"]
    };
    names.extend(stats.iter().map(|s| s.to_string()));
    if with_target {
        names.push("log_prob".into());
    }
    names
}

/// The statistics of one predictive distribution in the order of [`prediction_columns`].
pub fn prediction_values(p: &Predictive, y: Option<f64>) -> Vec<f64> {
    let mut values = match p {
        Predictive::Bernoulli { p } => vec![*p],
        Predictive::Mixture(m) => vec![
            m.mean(),
            m.std(),
            m.median(),
            m.mode(),
            m.quantile(0.05),
            m.quantile(0.95),
        ],
    };
    if let Some(y) = y {
        values.push(p.log_prob(y));
    }
    values
}

/// CSV text for `x` (rows × the model's inputs; rows × 0 for a model without inputs) and
/// optional targets, one per row (a row without one is a CSV error, not a panic).
///
/// # Shapes
/// `x`: `[rows, n_inputs]`, `y`: `[rows]`.
pub fn predictions_csv(
    model: &Model,
    x: &ArrayRef2<f64>,
    y: Option<&ArrayRef1<f64>>,
) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(prediction_columns(model, y.is_some()))?;
    let predictions = model.predict_rows(x);
    let mut record = Vec::new();
    for ((i, p), row) in predictions.iter().enumerate().zip(x.rows()) {
        record.clear();
        record.extend(row.iter().map(|v| v.to_string()));
        let target = y.and_then(|y| y.get(i).copied());
        record.extend(target.map(|t| t.to_string()));
        record.extend(prediction_values(p, target).iter().map(|v| v.to_string()));
        writer.write_record(&record)?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, Head, LayerSpec, ModelSpec, Scaler};

    #[test]
    fn columns_and_values_match_the_predictive_distribution() {
        let spec = ModelSpec {
            x_names: vec!["x".into()],
            y_name: "y".into(),
            hidden: vec![LayerSpec::new(4, Activation::Relu)],
            head: Head::Mixture { components: 2 },
            sigma_floor: 1e-3,
            x_scalers: vec![Scaler::IDENTITY],
            y_scaler: Scaler {
                mean: 1.0,
                std: 2.0,
            },
        };
        let model = Model::new(spec, 3);
        let x = [0.5, -1.0];
        let y = [1.2, 0.3];
        let column = ndarray::aview1(&x).insert_axis(ndarray::Axis(1));
        let bytes = predictions_csv(&model, &column, Some(&ndarray::aview1(&y))).expect("csv");
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        assert_eq!(
            header,
            [
                "x", "y", "mean", "std", "median", "mode", "q05", "q95", "log_prob"
            ]
        );
        for (i, row) in reader.records().enumerate() {
            let row = row.expect("row");
            let v: Vec<f64> = row.iter().map(|c| c.parse().expect("number")).collect();
            let p = model.predict(&[x[i]]);
            let m = p.as_mixture().expect("mixture");
            assert_eq!(v[0], x[i]);
            assert_eq!(v[1], y[i]);
            assert_eq!(v[2], m.mean());
            assert_eq!(v[4], m.median());
            assert_eq!(v[6], m.quantile(0.05));
            assert_eq!(v[8], p.log_prob(y[i]));
        }
        let without = predictions_csv(&model, &column, None).expect("csv");
        let first = String::from_utf8(without).expect("utf8");
        assert!(first.starts_with("x,mean,std,median,mode,q05,q95\n"));
    }
}
