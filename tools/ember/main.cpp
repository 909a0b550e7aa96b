// The `ember` command: the experiment toolkit (train, evaluate, predict, search, synthesize, data).
#include <ember/train/cli.h>

int main(int argc, char** argv) { return ember::train::run_cli(argc, argv); }
