//! The float type the loss functions are written over: f32 uses the vectorisable
//! approximations of `fastmath` (training), f64 the exact std functions (gradient checks,
//! reference values).

use num_traits::Float;

pub trait Scalar: Float + Default + std::fmt::Debug + 'static {
    fn exp_fast(self) -> Self;
    fn ln_fast(self) -> Self;
    fn softplus(self) -> Self;
    /// (softplus(x), sigmoid(x)) sharing one exponential.
    fn softplus_and_sigmoid(self) -> (Self, Self) {
        (self.softplus(), self.sigmoid())
    }
    fn sigmoid(self) -> Self;
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
}

impl Scalar for f32 {
    #[inline(always)]
    fn exp_fast(self) -> f32 {
        super::fastmath::exp(self)
    }
    #[inline(always)]
    fn ln_fast(self) -> f32 {
        super::fastmath::ln(self)
    }
    #[inline(always)]
    fn softplus(self) -> f32 {
        super::fastmath::softplus(self)
    }
    #[inline(always)]
    fn softplus_and_sigmoid(self) -> (f32, f32) {
        super::fastmath::softplus_and_sigmoid(self)
    }
    #[inline(always)]
    fn sigmoid(self) -> f32 {
        super::fastmath::sigmoid(self)
    }
    fn from_f64(v: f64) -> f32 {
        v as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl Scalar for f64 {
    fn exp_fast(self) -> f64 {
        self.exp()
    }
    fn ln_fast(self) -> f64 {
        self.ln()
    }
    fn softplus(self) -> f64 {
        super::activation::softplus(self)
    }
    fn sigmoid(self) -> f64 {
        super::activation::sigmoid(self)
    }
    fn from_f64(v: f64) -> f64 {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
}
