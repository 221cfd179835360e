//! Single-threaded f32 matrix products for the three products of a Dense layer.
//!
//! Written here rather than taken from a general GEMM because the training lanes multiply
//! small blocks (≈128 rows × 128 wide), eight times per step: a general GEMM packs both
//! operands into a buffer it allocates on every call, which at these sizes costs time and
//! breaks "no allocation in the training step". Here only Bᵀ of the backward product is ever
//! repacked, into scratch the caller owns; A is read in place through its strides and B
//! row by row, as a Dense layer's operands are already laid out.
//!
//! On x86-64 with AVX2+FMA (checked at run time) a 6×16 register-blocked kernel does the work;
//! elsewhere a plain loop the compiler vectorises. Results are deterministic for a machine
//! but differ in the last bits between the two paths (fused vs separate multiply-add).
//! All matrices are row-major slices.

/// C (m×n) = A (m×k) · B (k×n) + beta·C. With `beta == 0` C is only written.
pub fn matmul(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize, beta: f32) {
    assert!(
        a.len() >= m * k && b.len() >= k * n && c.len() >= m * n,
        "matrices shorter than their shapes"
    );
    product(Strided::new(a, k, 1), b, c, m, k, n, beta);
}

/// C (m×n) = Aᵀ · B + beta·C, where A is stored k×m and B is k×n.
pub fn matmul_at_b(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize, beta: f32) {
    assert!(
        a.len() >= k * m && b.len() >= k * n && c.len() >= m * n,
        "matrices shorter than their shapes"
    );
    product(Strided::new(a, 1, m), b, c, m, k, n, beta);
}

/// C (m×n) = A · Bᵀ, where A is m×k and B is stored n×k. `scratch` (at least k·n long)
/// receives Bᵀ, so that the kernel can read B row by row.
pub fn matmul_a_bt(
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    (m, k, n): (usize, usize, usize),
    scratch: &mut [f32],
) {
    assert!(
        a.len() >= m * k && b.len() >= n * k && c.len() >= m * n && scratch.len() >= k * n,
        "matrices or scratch shorter than their shapes"
    );
    let bt = &mut scratch[..k * n];
    // Eight rows of B at a time: eight sequential reads feed one contiguous write.
    for j0 in (0..n).step_by(8) {
        let width = 8.min(n - j0);
        for l in 0..k {
            let out = &mut bt[l * n + j0..][..width];
            for (jj, v) in out.iter_mut().enumerate() {
                *v = b[(j0 + jj) * k + l];
            }
        }
    }
    product(Strided::new(a, k, 1), bt, c, m, k, n, 0.0);
}

/// A read-only matrix addressed as `data[i * row_stride + l * col_stride]`.
#[derive(Clone, Copy)]
struct Strided<'a> {
    data: &'a [f32],
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Strided<'a> {
    fn new(data: &'a [f32], row_stride: usize, col_stride: usize) -> Self {
        Strided {
            data,
            row_stride,
            col_stride,
        }
    }

    fn at(&self, i: usize, l: usize) -> f32 {
        self.data[i * self.row_stride + l * self.col_stride]
    }
}

/// C = A·B + beta·C, B row-major k×n, C row-major m×n; bounds checked by the callers.
fn product(a: Strided<'_>, b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize, beta: f32) {
    if m == 0 || n == 0 {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA; the callers checked that A (m×k through its
        // strides), B (k×n) and C (m×n) lie inside their slices.
        unsafe { avx2::product(a, b, c, m, k, n, beta) };
        return;
    }
    product_portable(a, b, c, m, k, n, beta);
}

fn product_portable(
    a: Strided<'_>,
    b: &[f32],
    c: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
    beta: f32,
) {
    for (i, c_row) in c.chunks_exact_mut(n).take(m).enumerate() {
        if beta == 0.0 {
            c_row.fill(0.0);
        } else {
            c_row.iter_mut().for_each(|v| *v *= beta);
        }
        for (l, b_row) in b.chunks_exact(n).take(k).enumerate() {
            let a_il = a.at(i, l);
            c_row
                .iter_mut()
                .zip(b_row)
                .for_each(|(c, b)| *c += a_il * b);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::Strided;
    use std::arch::x86_64::{
        __m256i, _mm256_broadcast_ss, _mm256_cmpgt_epi32, _mm256_fmadd_ps, _mm256_loadu_ps,
        _mm256_maskload_ps, _mm256_maskstore_ps, _mm256_set1_epi32, _mm256_set1_ps,
        _mm256_setr_epi32, _mm256_setzero_ps, _mm256_storeu_ps,
    };

    /// Rows of C computed by one kernel call (12 of the 16 vector registers hold the tile).
    const MR: usize = 6;
    /// Rows of A per block, so that the block stays in L2 while every panel of B passes it.
    const MC: usize = 16 * MR;
    /// Depth per block, so that a 16-wide panel of B (16 KiB) stays in L1.
    const KC: usize = 256;

    /// Blocked C = A·B + beta·C.
    /// # Safety
    /// AVX2 and FMA are available; A (m×k through its strides), B (k×n row-major) and
    /// C (m×n row-major) lie inside their slices.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn product(
        a: Strided<'_>,
        b: &[f32],
        c: &mut [f32],
        m: usize,
        k: usize,
        n: usize,
        beta: f32,
    ) {
        if k == 0 {
            // Nothing to accumulate: C = beta·C, and never read C when beta is zero.
            for v in &mut c[..m * n] {
                *v = if beta == 0.0 { 0.0 } else { beta * *v };
            }
            return;
        }
        let (a_ptr, b_ptr, c_ptr) = (a.data.as_ptr(), b.as_ptr(), c.as_mut_ptr());
        for pc in (0..k).step_by(KC) {
            let kc = KC.min(k - pc);
            let beta = if pc == 0 { beta } else { 1.0 };
            for ic in (0..m).step_by(MC) {
                let mc = MC.min(m - ic);
                let mut jc = 0;
                while jc < n {
                    let width = (n - jc).min(16);
                    for ir in (ic..ic + mc).step_by(MR) {
                        let rows = MR.min(ic + mc - ir);
                        // SAFETY: the tile (rows × width at ir, jc; depth kc at pc) lies
                        // inside A, B and C by the caller's bounds.
                        unsafe {
                            let tile = Tile {
                                a: a_ptr.add(ir * a.row_stride + pc * a.col_stride),
                                a_row_stride: a.row_stride,
                                a_col_stride: a.col_stride,
                                b: b_ptr.add(pc * n + jc),
                                ldb: n,
                                c: c_ptr.add(ir * n + jc),
                                ldc: n,
                                k: kc,
                                beta,
                            };
                            dispatch(rows, width, &tile);
                        }
                    }
                    jc += width;
                }
            }
        }
    }

    /// Pointers and strides of one kernel call.
    #[derive(Clone, Copy)]
    struct Tile {
        a: *const f32,
        a_row_stride: usize,
        a_col_stride: usize,
        b: *const f32,
        ldb: usize,
        c: *mut f32,
        ldc: usize,
        k: usize,
        beta: f32,
    }

    /// Picks the kernel for a tile of `rows` (1–6) × `width` (1–16) columns.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn dispatch(rows: usize, width: usize, tile: &Tile) {
        macro_rules! by_rows {
            ($nv:literal, $masked:literal, $mask:expr) => {
                // SAFETY: forwarded from the caller.
                unsafe {
                    match rows {
                        1 => kernel::<1, $nv, $masked>(tile, $mask),
                        2 => kernel::<2, $nv, $masked>(tile, $mask),
                        3 => kernel::<3, $nv, $masked>(tile, $mask),
                        4 => kernel::<4, $nv, $masked>(tile, $mask),
                        5 => kernel::<5, $nv, $masked>(tile, $mask),
                        _ => kernel::<6, $nv, $masked>(tile, $mask),
                    }
                }
            };
        }
        let all = _mm256_set1_epi32(-1);
        match width {
            16 => by_rows!(2, false, all),
            8 => by_rows!(1, false, all),
            w if w > 8 => {
                // An exact 8-wide kernel, then the rest masked.
                by_rows!(1, false, all);
                let rest = Tile {
                    b: tile.b.wrapping_add(8),
                    c: tile.c.wrapping_add(8),
                    ..*tile
                };
                // SAFETY: columns 8..w of the same tile.
                unsafe { dispatch(rows, w - 8, &rest) };
            }
            w => by_rows!(1, true, lane_mask(w)),
        }
    }

    /// Lanes 0..width set.
    #[target_feature(enable = "avx2,fma")]
    fn lane_mask(width: usize) -> __m256i {
        let index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        _mm256_cmpgt_epi32(_mm256_set1_epi32(width as i32), index)
    }

    /// C[0..MR, 0..8·NV] = A·B + beta·C for one tile; with `MASKED` (only for NV = 1) just the
    /// lanes in `mask` of B are read and of C read and written.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn kernel<const MR: usize, const NV: usize, const MASKED: bool>(
        tile: &Tile,
        mask: __m256i,
    ) {
        let mut acc = [[_mm256_setzero_ps(); NV]; MR];
        // SAFETY: (whole body) every address is inside the tile the caller vouched for;
        // masked lanes are never touched.
        unsafe {
            for l in 0..tile.k {
                let b_row = tile.b.add(l * tile.ldb);
                let mut b = [_mm256_setzero_ps(); NV];
                for (v, bv) in b.iter_mut().enumerate() {
                    *bv = if MASKED {
                        _mm256_maskload_ps(b_row.add(8 * v), mask)
                    } else {
                        _mm256_loadu_ps(b_row.add(8 * v))
                    };
                }
                let a_col = tile.a.add(l * tile.a_col_stride);
                for (r, acc_row) in acc.iter_mut().enumerate() {
                    let a = _mm256_broadcast_ss(&*a_col.add(r * tile.a_row_stride));
                    for (acc, &b) in acc_row.iter_mut().zip(&b) {
                        *acc = _mm256_fmadd_ps(a, b, *acc);
                    }
                }
            }
            let beta = _mm256_set1_ps(tile.beta);
            for (r, acc_row) in acc.iter().enumerate() {
                for (v, &sum) in acc_row.iter().enumerate() {
                    let c = tile.c.add(r * tile.ldc + 8 * v);
                    let out = if tile.beta == 0.0 {
                        sum
                    } else if MASKED {
                        _mm256_fmadd_ps(beta, _mm256_maskload_ps(c, mask), sum)
                    } else {
                        _mm256_fmadd_ps(beta, _mm256_loadu_ps(c), sum)
                    };
                    if MASKED {
                        _mm256_maskstore_ps(c, mask, out);
                    } else {
                        _mm256_storeu_ps(c, out);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k).map(|l| a[i * k + l] * b[l * n + j]).sum();
            }
        }
        c
    }

    fn transpose(a: &[f32], rows: usize, cols: usize) -> Vec<f32> {
        let mut t = vec![0.0; a.len()];
        for i in 0..rows {
            for j in 0..cols {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        t
    }

    fn filled(len: usize, phase: f32) -> Vec<f32> {
        (0..len).map(|i| (i as f32 * 0.37 + phase).sin()).collect()
    }

    fn assert_close(got: &[f32], expected: &[f32], k: usize, what: &str) {
        let tolerance = 1e-5 * (k as f32 + 1.0);
        for (i, (g, e)) in got.iter().zip(expected).enumerate() {
            assert!(
                (g - e).abs() <= tolerance,
                "{what}: element {i}: {g} vs {e}"
            );
        }
    }

    /// Every product on shapes that hit full tiles, partial row blocks, the 8-wide and masked
    /// column tails, several depth blocks, and degenerate sizes.
    #[test]
    fn products_agree_with_naive_loops_on_all_tile_shapes() {
        let shapes = [
            (1, 1, 1),
            (5, 7, 3),
            (6, 128, 16),
            (7, 3, 17),
            (13, 9, 24),
            (128, 128, 128),
            (128, 128, 48),
            (128, 1, 128),
            (1, 128, 2),
            (97, 300, 31),
            (200, 5, 9),
            (3, 0, 4),
        ];
        for (m, k, n) in shapes {
            let what = format!("{m}×{k}×{n}");
            let a = filled(m * k, 0.0);
            let b = filled(k * n, 1.0);
            let expected = naive(&a, &b, m, k, n);

            let mut c = vec![f32::NAN; m * n];
            matmul(&a, &b, &mut c, m, k, n, 0.0);
            assert_close(&c, &expected, k, &format!("matmul {what}"));

            let mut c = vec![1.0; m * n];
            matmul_at_b(&transpose(&a, m, k), &b, &mut c, m, k, n, 1.0);
            let plus_one: Vec<f32> = expected.iter().map(|v| v + 1.0).collect();
            assert_close(&c, &plus_one, k, &format!("matmul_at_b {what}"));

            let mut c = vec![f32::NAN; m * n];
            let mut scratch = vec![0.0; k * n];
            matmul_a_bt(&a, &transpose(&b, k, n), &mut c, (m, k, n), &mut scratch);
            assert_close(&c, &expected, k, &format!("matmul_a_bt {what}"));
        }
    }

    #[test]
    fn the_portable_path_agrees_with_naive_loops() {
        let (m, k, n) = (9, 11, 19);
        let a = filled(m * k, 0.5);
        let b = filled(k * n, 2.0);
        let mut c = vec![2.0; m * n];
        product_portable(Strided::new(&a, k, 1), &b, &mut c, m, k, n, 0.5);
        let expected: Vec<f32> = naive(&a, &b, m, k, n).iter().map(|v| v + 1.0).collect();
        assert_close(&c, &expected, k, "portable");
    }

    #[test]
    fn columns_outside_the_product_are_left_alone() {
        // C is exactly m×n inside a longer buffer: the masked tail must not write past it.
        let (m, k, n) = (7, 5, 3);
        let a = filled(m * k, 0.0);
        let b = filled(k * n, 1.0);
        let mut c = vec![-7.0; m * n + 5];
        matmul(&a, &b, &mut c, m, k, n, 0.0);
        assert!(c[m * n..].iter().all(|&v| v == -7.0));
    }
}
