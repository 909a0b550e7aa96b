// ember data: the dataset tools of ember/data/tools.h on the command line.
#include <CLI/CLI.hpp>

#include <iostream>

#include "train/commands.h"

namespace ember::train::cmd {

CLI::App* add_data_command(CLI::App& app, DataArgs& a) {
  CLI::App* data = app.add_subcommand("data", "Dataset tools: a SIGNS JPEG folder from Fashion-MNIST, a NER corpus, "
                                              "its vocabulary");
  data->require_subcommand(1);

  CLI::App* signs = data->add_subcommand(
      "fashion-mnist-to-signs", "Write Fashion-MNIST as a CS230 SIGNS folder: {train,val,test}_signs/{label}_IMG_{id}.jpg");
  signs->add_option("--mnist_dir", a.mnist_dir, "Directory of the Fashion-MNIST IDX files")->capture_default_str();
  signs->add_option("--out_dir", a.out_dir, "Directory to write the *_signs folders into")->required();
  signs->add_option("--image_size", a.signs.image_size, "Width and height of the images")->capture_default_str();
  signs->add_option("--val_fraction", a.signs.val_fraction, "Fraction of the training file for val_signs")
      ->capture_default_str();
  signs->add_option("--seed", a.signs.seed, "Seed of the train/val shuffle")->capture_default_str();
  signs->add_option("--limit", a.signs.limit, "Only the first N images of each IDX file (-1: all)")
      ->capture_default_str();
  signs->add_flag("--overwrite", a.signs.overwrite, "Replace existing *_signs folders");

  CLI::App* corpus = data->add_subcommand(
      "ner-corpus", "Generate a NER corpus in the CS230 layout (entities from Debian's word lists) and its vocabulary");
  corpus->add_option("--out_dir", a.out_dir, "Directory to write {train,val,test}/ and the vocabulary into")
      ->required();
  corpus->add_option("--train", a.ner.train, "Training sentences")->capture_default_str();
  corpus->add_option("--val", a.ner.val, "Validation sentences")->capture_default_str();
  corpus->add_option("--test", a.ner.test, "Test sentences")->capture_default_str();
  corpus->add_option("--seed", a.ner.seed, "Seed of every random choice")->capture_default_str();
  corpus->add_flag("--overwrite", a.ner.overwrite, "Replace an existing corpus");

  CLI::App* vocab = data->add_subcommand(
      "ner-vocab", "Build words.txt, tags.txt and dataset_params.json of a CS230 NER directory (build_vocab.py)");
  vocab->add_option("--data_dir", a.data_dir, "Directory holding {train,val,test}/{sentences,labels}.txt")
      ->required();
  vocab->add_option("--min_count_word", a.vocab.min_count_word, "Keep words seen at least this often")
      ->capture_default_str();
  vocab->add_option("--min_count_tag", a.vocab.min_count_tag, "Keep tags seen at least this often")
      ->capture_default_str();
  return data;
}

int run_data(CLI::App& data, const DataArgs& a) {
  if (data.got_subcommand("fashion-mnist-to-signs")) {
    data::SignsExportReport r = data::fashion_mnist_to_signs(a.mnist_dir, a.out_dir, a.signs);
    std::cout << "wrote " << r.train << " train, " << r.val << " val and " << r.test << " test images to " << r.out_dir
              << "/{train,val,test}_signs\n";
    return 0;
  }
  if (data.got_subcommand("ner-corpus")) {
    data::NERCorpusReport r = data::generate_ner_corpus(a.out_dir, a.ner);
    std::cout << "wrote " << r.train << " train, " << r.val << " val and " << r.test << " test sentences to "
              << a.out_dir << "\n";
    for (const auto& [cls, n] : r.entities) std::cout << "  " << cls << ": " << n << " entity mentions\n";
    for (const std::string& note : r.notes) std::cout << "  note: " << note << "\n";
    return 0;
  }
  data::NERVocabReport r = data::build_ner_vocab(a.data_dir, a.vocab);
  std::cout << "vocabulary of " << a.data_dir << ": " << r.vocab_size << " words, " << r.number_of_tags
            << " tags (train " << r.train_size << ", val " << r.dev_size << ", test " << r.test_size
            << " sentences)\n";
  return 0;
}

}  // namespace ember::train::cmd
