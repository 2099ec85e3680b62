// The diagnostics sink and how a diagnostic renders: the exact text a user (or an LLM optimizer)
// reads, so every test compares whole strings.
#include "dsl/diagnostics.h"

#include <gtest/gtest.h>

#include <string>

#include "dsl/source.h"

namespace mapsmith::dsl {
namespace {

TEST(SourceFile, LinesAndLocations) {
  SourceFile src("a.mapping", "Task * GPU;\r\nx = 1;\n\nlast");
  EXPECT_EQ(src.line_count(), 4u);
  EXPECT_EQ(src.line_text(1), "Task * GPU;");  // the '\r' of CRLF is not part of the line
  EXPECT_EQ(src.line_text(2), "x = 1;");
  EXPECT_EQ(src.line_text(3), "");
  EXPECT_EQ(src.line_text(4), "last");
  EXPECT_EQ(src.line_text(0), "");
  EXPECT_EQ(src.line_text(5), "");
  EXPECT_EQ(src.loc_at(0), (SourceLoc{1, 1, 0}));
  EXPECT_EQ(src.loc_at(13), (SourceLoc{2, 1, 13}));
  EXPECT_EQ(src.loc_at(17), (SourceLoc{2, 5, 17}));
  EXPECT_EQ(src.loc_at(1000), (SourceLoc{4, 5, 25}));  // past the end: the end
}

TEST(Render, ErrorWithCaretAndHint) {
  SourceFile src("m.mapping", "Task * GPU\nRegion * * GPU FBMEM;\n");
  Diagnostics diags;
  diags.error(src, SourceLoc{1, 11, 10}, "missing ';' after the Task statement",
              "every statement ends with ';'");
  ASSERT_EQ(diags.all().size(), 1u);
  EXPECT_EQ(render(diags.all()[0]),
            "m.mapping:1:11: error: missing ';' after the Task statement\n"
            "  Task * GPU\n"
            "            ^\n"
            "hint: every statement ends with ';'\n");
  EXPECT_TRUE(diags.has_errors());
  EXPECT_EQ(diags.error_count(), 1u);
  EXPECT_EQ(diags.warning_count(), 0u);
}

TEST(Render, WarningWithoutHint) {
  SourceFile src("m.mapping", "Task t,t GPU;");
  Diagnostics diags;
  diags.warning(src, SourceLoc{1, 8, 7}, "task 't' is listed twice");
  EXPECT_EQ(render(diags.all()[0]),
            "m.mapping:1:8: warning: task 't' is listed twice\n"
            "  Task t,t GPU;\n"
            "         ^\n");
  EXPECT_FALSE(diags.has_errors());
  EXPECT_EQ(diags.warning_count(), 1u);
}

TEST(Render, WholeFileErrorHasNoLine) {
  Diagnostics diags;
  diags.file_error("blob.mapping", "not a text file (a NUL byte at offset 3)",
                   "mapping files are plain text");
  EXPECT_EQ(render(diags.all()[0]),
            "blob.mapping: error: not a text file (a NUL byte at offset 3)\n"
            "hint: mapping files are plain text\n");
}

TEST(Render, TabsKeepTheCaretAligned) {
  SourceFile src("t.mapping", "\tx = y;");
  Diagnostics diags;
  diags.error(src, SourceLoc{1, 6, 5}, "undefined variable 'y'");
  EXPECT_EQ(render(diags.all()[0]),
            "t.mapping:1:6: error: undefined variable 'y'\n"
            "  \tx = y;\n"
            "  \t    ^\n");
}

TEST(Render, ControlBytesAreShownAsQuestionMarks) {
  SourceFile src("c.mapping", "x = 1;\x1b[31m\x7f");
  Diagnostics diags;
  diags.error(src, SourceLoc{1, 7, 6}, "unexpected character byte 0x1B");
  EXPECT_EQ(render(diags.all()[0]),
            "c.mapping:1:7: error: unexpected character byte 0x1B\n"
            "  x = 1;?[31m?\n"
            "        ^\n");
}

TEST(Render, LongLinesShowAWindowAroundTheColumn) {
  std::string line = "x = " + std::string(300, 'a') + " + b;";
  SourceFile src("long.mapping", line);
  Diagnostics diags;
  // The 'b' is at column 308.
  diags.error(src, SourceLoc{1, 308, 307}, "undefined variable 'b'");
  std::string shown = "..." + line.substr(257, 100);
  std::string caret = std::string(3 + 50, ' ') + "^";
  EXPECT_EQ(render(diags.all()[0]), "long.mapping:1:308: error: undefined variable 'b'\n  " +
                                        shown + "\n  " + caret + "\n");

  // Near the start of a long line: no leading "...", a trailing one.
  Diagnostics d2;
  d2.error(src, SourceLoc{1, 1, 0}, "here");
  EXPECT_EQ(render(d2.all()[0]),
            "long.mapping:1:1: error: here\n  " + line.substr(0, 100) + "...\n  ^\n");
}

TEST(Diagnostics, StopsAtTheLimitAndSaysSo) {
  SourceFile src("x.mapping", "a\n");
  Diagnostics diags(3);
  for (int i = 0; i < 10; ++i)
    diags.error(src, SourceLoc{1, 1, 0}, "bad", "fix it");
  diags.warning(src, SourceLoc{1, 1, 0}, "still recorded");
  ASSERT_EQ(diags.all().size(), 4u);
  EXPECT_EQ(diags.error_count(), 3u);
  EXPECT_TRUE(diags.saturated());
  EXPECT_EQ(diags.all()[0].hint, "fix it");
  EXPECT_EQ(diags.all()[2].hint, "stopped after 3 errors; fix these first");
  EXPECT_EQ(diags.all()[3].message, "still recorded");
}

TEST(Diagnostics, KeepsTheOrderFound) {
  SourceFile src("x.mapping", "a\nb\n");
  Diagnostics diags;
  diags.warning(src, SourceLoc{2, 1, 2}, "second line");
  diags.error(src, SourceLoc{1, 1, 0}, "first line");
  ASSERT_EQ(diags.all().size(), 2u);
  EXPECT_EQ(diags.all()[0].message, "second line");
  EXPECT_EQ(diags.all()[0].source_line, "b");
  EXPECT_EQ(diags.all()[1].message, "first line");
  EXPECT_FALSE(diags.saturated());
}

TEST(RenderJson, AllFieldsInOrder) {
  SourceFile src("j.mapping", "InstanceLimit t GPU 2;\n");
  Diagnostics diags;
  diags.warning(src, SourceLoc{1, 1, 0}, "deprecated form 'InstanceLimit TASK PROC N'",
                "the processor kind is no longer needed: InstanceLimit t 2;");
  diags.file_error("k.mapping", "quote \" and \\ escaped");
  EXPECT_EQ(render_json(diags.all()),
            "[\n"
            "  {\n"
            "    \"file\": \"j.mapping\",\n"
            "    \"line\": 1,\n"
            "    \"col\": 1,\n"
            "    \"severity\": \"warning\",\n"
            "    \"message\": \"deprecated form 'InstanceLimit TASK PROC N'\",\n"
            "    \"hint\": \"the processor kind is no longer needed: InstanceLimit t 2;\"\n"
            "  },\n"
            "  {\n"
            "    \"file\": \"k.mapping\",\n"
            "    \"line\": 0,\n"
            "    \"col\": 0,\n"
            "    \"severity\": \"error\",\n"
            "    \"message\": \"quote \\\" and \\\\ escaped\",\n"
            "    \"hint\": \"\"\n"
            "  }\n"
            "]");
  EXPECT_EQ(render_json({}), "[]");
}

TEST(RenderJson, InvalidUtf8IsReplacedNotThrown) {
  Diagnostics diags;
  diags.file_error(std::string("bad\xff.mapping"), "x");
  std::string json = render_json(diags.all());
  EXPECT_NE(json.find("\"bad\xef\xbf\xbd.mapping\""), std::string::npos) << json;
}

}  // namespace
}  // namespace mapsmith::dsl
