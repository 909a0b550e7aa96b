#pragma once
// The `ner_lstm` model: the CS230 NLP net (pytorch/nlp/model/net.py) for named-entity tagging.
// PyTorch equivalent, with the same attribute names (so the same state_dict keys):
//
//   class Net(nn.Module):
//       def __init__(self, vocab_size, embedding_dim=50, lstm_hidden_dim=50, number_of_tags=9):
//           self.embedding = nn.Embedding(vocab_size, embedding_dim)
//           self.lstm = nn.LSTM(embedding_dim, lstm_hidden_dim, batch_first=True)
//           self.fc = nn.Linear(lstm_hidden_dim, number_of_tags)
//       def forward(self, s):                   # s:(N,T) token ids
//           s = self.embedding(s)               # (N,T,E)
//           s, _ = self.lstm(s)                 # (N,T,H)
//           s = s.contiguous().view(-1, s.shape[2])  # (N*T,H)
//           return F.log_softmax(self.fc(s), dim=1)  # (N*T,tags) log-probabilities
//
// Its loss and accuracy skip padding (labels < 0): ember/models/ner_metrics.h.
#include <memory>

#include "ember/nn/layers/embedding.h"
#include "ember/nn/layers/linear.h"
#include "ember/nn/layers/rnn.h"

namespace ember::models {

class NerLstm : public nn::Module {
 public:
  NerLstm(int64_t vocab_size, int64_t embedding_dim, int64_t lstm_hidden_dim, int64_t number_of_tags);
  Tensor forward(const Tensor& s) override;  // (N,T) int64 -> (N*T, number_of_tags) log-probabilities
  std::shared_ptr<nn::Embedding> embedding;
  std::shared_ptr<nn::LSTM> lstm;
  std::shared_ptr<nn::Linear> fc;
};

}  // namespace ember::models
