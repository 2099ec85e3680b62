#include "llm/manual_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "llm/test_util.h"

namespace mapsmith::llm {
namespace {

using ::testing::ElementsAre;

class ManualClientTest : public ::testing::Test {
 protected:
  test::TempDir temp;
  std::string dir = temp.file("exchange/nested");  // created by the client
  std::ostringstream notice;
  std::vector<double> waits;
  std::function<void()> on_wait;  // runs at each poll: the "user" acting meanwhile

  ManualOptions options() {
    ManualOptions o;
    o.dir = dir;
    o.notice = &notice;
    o.sleep = [this](double s) {
      waits.push_back(s);
      if (on_wait) on_wait();
    };
    return o;
  }
};

TEST_F(ManualClientTest, WritesTheRequestAndWaitsForTheReply) {
  ManualClient client(options());
  EXPECT_EQ(client.describe(), "manual exchange " + dir);
  EXPECT_FALSE(client.supports_json_schema());
  std::string reply_file = dir + "/reply-0001.md";
  const std::string id = manual_request_id(1, test::test_request());
  EXPECT_EQ(id.size(), 14u);
  EXPECT_TRUE(id.starts_with("r0001-"));
  on_wait = [&] {
    if (waits.size() == 1) test::spit(reply_file, "\n" + id + "\n  Try this mapper:\nmap ...\n\n");
  };
  ChatReply reply = client.complete(test::test_request());
  // The id line is the person's, not the model's: it is dropped.
  EXPECT_EQ(reply.content, "Try this mapper:\nmap ...");
  EXPECT_EQ(reply.finish_reason, "stop");
  EXPECT_EQ(reply.model, "manual");
  EXPECT_EQ(reply.usage.prompt_tokens, 9);      // 33 characters
  EXPECT_EQ(reply.usage.completion_tokens, 6);  // 24 characters
  EXPECT_EQ(client.usage().total(), 15);
  // Seen at the second poll, taken at the third when its size has not changed.
  EXPECT_THAT(waits, ElementsAre(0.2, 0.2));
  EXPECT_EQ(notice.str(), "mapsmith: waiting for " + reply_file +
                              " (paste the model's reply there, under the line " + id + ")\n");
  EXPECT_EQ(
      test::slurp(dir + "/request-0001.md"),
      "# mapsmith request 1 (id " + id +
          ")\n"
          "\n## system\n\nYou write mappers.\n"
          "\n## user\n\nMake it faster.\n"
          "\n---\n\nPaste the messages above into the chat, then save the model's whole answer "
          "in reply-0001.md (in this directory) under a first line that is the id of this "
          "request:\n\n" +
          id + "\n");
  EXPECT_FALSE(std::filesystem::exists(dir + "/request-0001.md.tmp"));
}

TEST_F(ManualClientTest, AnExistingReplyIsTakenAtOnceAndRequestsAreNumbered) {
  ManualClient client(options());
  test::spit(dir + "/reply-0001.md", manual_request_id(1, test::test_request()) + "\nfirst");
  test::spit(dir + "/reply-0002.md",
             manual_request_id(2, test::test_request("again")) + "\nsecond");
  EXPECT_EQ(client.complete(test::test_request()).content, "first");
  EXPECT_EQ(client.complete(test::test_request("again")).content, "second");
  EXPECT_TRUE(waits.empty());
  EXPECT_EQ(notice.str(), "");
  EXPECT_TRUE(std::filesystem::exists(dir + "/request-0002.md"));
  EXPECT_EQ(client.request_path(12), dir + "/request-0012.md");
  EXPECT_EQ(client.reply_path(12), dir + "/reply-0012.md");
}

TEST_F(ManualClientTest, AReplyToAnotherRequestOrWithoutTheIdIsRefusedUntilItChanges) {
  ManualClient client(options());
  const std::string reply_file = dir + "/reply-0001.md";
  const std::string id = manual_request_id(1, test::test_request());
  // Left by an earlier run, for another request 1.
  test::spit(reply_file, "r0001-00000000\nold answer");
  on_wait = [&] {
    if (waits.size() == 2) test::spit(reply_file, "new answer, no id line");
    if (waits.size() == 4) test::spit(reply_file, id + "\nnew answer");
  };
  EXPECT_EQ(client.complete(test::test_request()).content, "new answer");
  EXPECT_EQ(notice.str(),
            "mapsmith: refused " + reply_file +
                ": it answers another request (r0001-00000000), not this one (" + id +
                "): a reply left by an earlier run? Save the reply to the new request in it, "
                "under a first line that is " +
                id +
                "\n"
                "mapsmith: refused " +
                reply_file + ": its first line must be the id of the request it answers, " + id +
                " (copy it from the end of the request file), then the model's answer\n");
}

TEST_F(ManualClientTest, ARepairRoundSaysExactlyWhatToPaste) {
  ManualClient client(options());
  ChatRequest r = test::test_request();
  r.messages.push_back({"assistant", "Task x GPU;"});
  r.messages.push_back({"user", "unknown task 'x'"});
  const std::string id = manual_request_id(1, r);
  test::spit(dir + "/reply-0001.md", id + "\nTask work GPU;");
  EXPECT_EQ(client.complete(r).content, "Task work GPU;");
  const std::string text = test::slurp(dir + "/request-0001.md");
  EXPECT_NE(text.find("\nA repair round: the model's last reply did not check. In the same chat, "
                      "paste only the message between the two lines below; then save the "
                      "model's whole answer in reply-0001.md under a first line that is the id " +
                      id + ".\n\n----- paste this -----\nunknown task 'x'\n----- end -----\n"),
            std::string::npos)
      << text;
  EXPECT_TRUE(
      text.ends_with("Paste the message marked 'paste this' above into the chat, then "
                     "save the model's whole answer in reply-0001.md (in this directory) "
                     "under a first line that is the id of this request:\n\n" +
                     id + "\n"));
}

TEST_F(ManualClientTest, AnEmptyReplyFileIsNotTakenYet) {
  ManualClient client(options());
  std::string reply_file = dir + "/reply-0001.md";
  test::spit(reply_file, "");
  on_wait = [&] {
    if (waits.size() == 3)
      test::spit(reply_file, manual_request_id(1, test::test_request()) + "\ndone");
  };
  EXPECT_EQ(client.complete(test::test_request()).content, "done");
  EXPECT_EQ(waits.size(), 4u);
}

TEST_F(ManualClientTest, GivesUpAfterTheTimeOut) {
  ManualOptions o = options();
  o.timeout_s = 0.5;
  ManualClient client(o);
  try {
    client.complete(test::test_request());
    FAIL() << "no time-out";
  } catch (const ChatError& e) {
    EXPECT_EQ(e.kind(), ChatError::Kind::Unreachable);
    EXPECT_EQ(std::string(e.what()),
              "manual exchange: no reply in " + dir + "/reply-0001.md after 0.5 s");
  }
  EXPECT_THAT(waits, ElementsAre(0.2, 0.2, 0.2));
}

TEST_F(ManualClientTest, AnUncreatableDirectoryIsAConfigError) {
  test::spit(temp.file("file"), "x");
  ManualOptions o = options();
  o.dir = temp.file("file/sub");
  try {
    ManualClient client(o);
    FAIL() << "no error";
  } catch (const ChatError& e) {
    EXPECT_EQ(e.kind(), ChatError::Kind::Config);
    EXPECT_EQ(std::string(e.what()),
              "--exchange " + o.dir + ": cannot create the directory: Not a directory");
  }
}

TEST_F(ManualClientTest, MakeClientBuildsTheManualBackend) {
  ClientOptions o;
  o.backend = "manual";
  o.exchange_dir = dir;
  o.timeout_s = 0.4;
  o.sleep = [this](double s) { waits.push_back(s); };
  auto client = make_client(o);
  EXPECT_EQ(client->describe(), "manual exchange " + dir);
  EXPECT_THROW(client->complete(test::test_request()), ChatError);
  EXPECT_THAT(waits, ElementsAre(0.2, 0.2));
}

}  // namespace
}  // namespace mapsmith::llm
