#pragma once
/// The GPU part of the calibration: built with CUDA's runtime library only when CMake finds
/// the CUDA toolkit (MAPSMITH_HAVE_CUDA); otherwise it says that nothing was measured.
#include "calibrate/calibrate.h"

namespace mapsmith::calibrate {

/// Fills the GPU figures of `f` (pinned host <-> device copy bandwidth), or its gpu_note.
void measure_gpu(Figures& f, const Options& o);

}  // namespace mapsmith::calibrate
