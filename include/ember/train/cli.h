#pragma once
// The `ember` command line as a library call, so a program that registers its own models
// (ember::train::register_model) gets the same tool:
//
//   ember train      --data_dir DIR --model_dir DIR [--restore_file last|best|PATH] [--overwrite]
//   ember evaluate   --data_dir DIR --model_dir DIR [--restore_file best|last|PATH]
//   ember predict    --model_dir DIR INPUT...
//   ember search     --parent_dir DIR --data_dir DIR [--jobs N] [--overwrite]
//   ember synthesize --parent_dir DIR [--metric accuracy]
//   ember data       fashion-to-signs | ner-corpus | ner-vocab ...
//   ember models     [NAME]
//
// Returns the exit status: 0 on success, 1 when the command failed (the ember::Error's message is
// printed to stderr), 2 for a usage error, 130 when training was interrupted by Ctrl-C.
namespace ember::train {

int run_cli(int argc, char** argv);

}  // namespace ember::train
