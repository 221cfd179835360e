//! The series colours of every view, shared by the window and the exported figures so a
//! figure looks like the screen: Okabe–Ito colours (told apart with every common
//! colour-vision deficiency), each readable on the window's dark plots and on white paper.
//! Only the true curves differ: they take the foreground colour (white on screen, black on
//! paper). GUI-free: colours are `[u8; 3]`.

/// The mean curve and marker.
pub const MEAN: [u8; 3] = [0x56, 0xb4, 0xe9];
/// The median curve and marker.
pub const MEDIAN: [u8; 3] = [0x00, 0x9e, 0x73];
/// The mode curve and marker.
pub const MODE: [u8; 3] = [0xd5, 0x5e, 0x00];
/// The predictive density p(y|x*) of the posterior.
pub const DENSITY: [u8; 3] = [0xe6, 0x9f, 0x00];
/// Central intervals: shading under the posterior, ±σ bands, interval lines.
pub const INTERVAL: [u8; 3] = [0xe6, 0x9f, 0x00];
/// Weighted mixture components and component means.
pub const COMPONENT: [u8; 3] = [0xcc, 0x79, 0xa7];
/// Training points.
pub const TRAIN: [u8; 3] = [0xa0, 0xa0, 0xa0];
/// Held-out points.
pub const TEST: [u8; 3] = [0xb0, 0x7a, 0x3c];
/// Label 0 of a classifier (points, bars, the blue end of the probability map).
pub const CLASS0: [u8; 3] = [0x00, 0x72, 0xb2];
/// Label 1 of a classifier.
pub const CLASS1: [u8; 3] = [0xe6, 0x9f, 0x00];
/// The outline around classifier points, so they show on a map of their own colour.
pub const POINT_OUTLINE: [u8; 3] = [0x20, 0x20, 0x20];
