#pragma once
/// The built-in generators, one source file each (gen_NAME.cpp), listed in generators.cpp.
#include "app/generators.h"

namespace mapsmith::app::gen {

#define MAPSMITH_GENERATOR(name) \
  GeneratorInfo name##_info();   \
  App name(const Params& params, const machine::Machine& machine);

MAPSMITH_GENERATOR(circuit)
MAPSMITH_GENERATOR(stencil)
MAPSMITH_GENERATOR(pennant)
MAPSMITH_GENERATOR(cannon)
MAPSMITH_GENERATOR(summa)
MAPSMITH_GENERATOR(pumma)
MAPSMITH_GENERATOR(johnson)
MAPSMITH_GENERATOR(solomonik)
MAPSMITH_GENERATOR(cosma)

#undef MAPSMITH_GENERATOR

}  // namespace mapsmith::app::gen
