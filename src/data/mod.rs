//! Datasets: named columns with roles, CSV import, generator presets, train/test split.
//! (Minimal stand-in until the data module lands.)

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Dataset {
    pub x_names: Vec<String>,
    pub y_name: String,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl Dataset {
    pub fn len(&self) -> usize {
        self.y.len()
    }
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }
    pub fn n_inputs(&self) -> usize {
        self.x_names.len()
    }
    pub fn x_row(&self, i: usize) -> &[f64] {
        let d = self.n_inputs();
        &self.x[i * d..(i + 1) * d]
    }
    pub fn is_binary_target(&self) -> bool {
        self.y.iter().all(|&v| v == 0.0 || v == 1.0)
    }
}
