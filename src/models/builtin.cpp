// Registers the built-in models: mlp, fashion_cnn, signs_cnn, ner_lstm, autoencoder.
#include "ember/models/autoencoder.h"
#include "ember/models/fashion_cnn.h"
#include "ember/models/mlp.h"
#include "ember/models/ner_lstm.h"
#include "ember/models/signs_cnn.h"
#include "train/registry_internal.h"

namespace ember::train {

void register_builtin_models() {
  using detail::add_model;
  add_model({.name = "mlp",
             .description = "Flatten, Linear(784,256), ReLU, Linear(256,128), ReLU, Linear(128,10)",
             .task = "fashion_mnist",
             .params = {},
             .make = [](const Params&) { return models::mlp(); }});
  add_model({.name = "fashion_cnn",
             .description = "2 x (Conv2d 3x3, BatchNorm2d, ReLU, MaxPool2d 2), Linear(3136,128), ReLU, "
                            "Dropout(dropout_rate), Linear(128,10)",
             .task = "fashion_mnist",
             .params = {},
             .make = [](const Params& p) { return models::fashion_cnn(p.get_float("dropout_rate")); }});
  add_model({.name = "signs_cnn",
             .description = "CS230 vision net: 3 x (conv, batchnorm, maxpool, relu) of num_channels x 1,2,4, "
                            "fc1, fcbn1, dropout, fc2, log_softmax; 64x64 RGB images",
             .task = "signs",
             .params = {int_param("num_classes", 6, "number of classes (labels 0..num_classes-1)", 2)},
             .make = [](const Params& p) {
               return std::make_shared<models::SignsCnn>(p.get_int("num_channels"), p.get_float("dropout_rate"),
                                                         p.get_int("num_classes"));
             }});
  add_model({.name = "ner_lstm",
             .description = "CS230 NLP net: Embedding, LSTM (batch_first), Linear, log_softmax; masked loss",
             .task = "ner",
             .params = {int_param("embedding_dim", 50, "size of a word vector", 1),
                        int_param("lstm_hidden_dim", 50, "LSTM hidden units", 1),
                        int_param("vocab_size", 0, "words in the vocabulary (0: from data_dir/dataset_params.json)", 0),
                        int_param("number_of_tags", 0, "tags (0: from data_dir/dataset_params.json)", 0)},
             .make = [](const Params& p) {
               return std::make_shared<models::NerLstm>(p.get_int("vocab_size"), p.get_int("embedding_dim"),
                                                        p.get_int("lstm_hidden_dim"), p.get_int("number_of_tags"));
             }});
  add_model({.name = "autoencoder",
             .description = "784-128-64-embedding_dim encoder, mirrored decoder, tanh; MSE reconstruction",
             .task = "fashion_mnist_autoencoder",
             .params = {int_param("embedding_dim", 32, "size of the code between encoder and decoder", 1)},
             .make = [](const Params& p) { return std::make_shared<models::Autoencoder>(p.get_int("embedding_dim")); }});
}

}  // namespace ember::train
