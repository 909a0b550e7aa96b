// Registers the built-in models (mlp, fashion_cnn, signs_cnn, ner_lstm, autoencoder).
#include "train/registry_internal.h"

namespace ember::train {

void register_builtin_models() {}  // filled in as the layers land

}  // namespace ember::train
