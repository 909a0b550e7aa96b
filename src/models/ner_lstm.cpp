// ner_lstm: the CS230 NLP net (embedding, LSTM, linear, log_softmax).
#include "ember/models/ner_lstm.h"

namespace ember::models {

NerLstm::NerLstm(int64_t vocab_size, int64_t embedding_dim, int64_t lstm_hidden_dim, int64_t number_of_tags)
    : Module("NerLstm") {
  embedding = register_module("embedding", std::make_shared<nn::Embedding>(vocab_size, embedding_dim));
  lstm = register_module("lstm", std::make_shared<nn::LSTM>(embedding_dim, lstm_hidden_dim,
                                                             nn::RNNOptions{.batch_first = true}));
  fc = register_module("fc", std::make_shared<nn::Linear>(lstm_hidden_dim, number_of_tags));
}

Tensor NerLstm::forward(const Tensor& s) {
  EMBER_CHECK(s.dim() == 2, "NerLstm: expected token ids (N,T), got ", shape_str(s.sizes()));
  Tensor e = embedding->forward(s);                 // (N,T,E)
  Tensor h = lstm->forward(e).output.contiguous();  // (N,T,H)
  h = h.view({-1, h.size(2)});                      // (N*T,H)
  return fc->forward(h).log_softmax(1);             // (N*T,tags)
}

}  // namespace ember::models
