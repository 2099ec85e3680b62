// The main() of a Legion example built with a mapsmith mapper. The example's own main() is
// renamed example_main (its sources are compiled with -Dmain=example_main), and this main()
// installs the mapper first: the generated one when MAPSMITH_REGISTER names its registration
// function, else the runtime-loaded one, which reads -mapping FILE.
#ifdef MAPSMITH_REGISTER
void MAPSMITH_REGISTER();
#else
#include "legion/mapsmith_mapper.h"
#endif

int example_main(int argc, char** argv);

int main(int argc, char** argv) {
#ifdef MAPSMITH_REGISTER
  MAPSMITH_REGISTER();
#else
  mapsmith::legion::register_mapper();
#endif
  return example_main(argc, argv);
}
