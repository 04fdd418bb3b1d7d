// The studio's editor: CodeMirror 6 with TOML highlighting plus the rule grammar's words
// (→ ； ≥ ≤ 满分 分值 实际值 目标值 否则 …) and a lint source fed by /api/check.
import {EditorView, keymap, lineNumbers, highlightActiveLine} from "@codemirror/view";
import {EditorState} from "@codemirror/state";
import {defaultKeymap, history, historyKeymap} from "@codemirror/commands";
import {StreamLanguage, syntaxHighlighting, defaultHighlightStyle} from "@codemirror/language";
import {linter, lintGutter, setDiagnostics} from "@codemirror/lint";
import {toml} from "@codemirror/legacy-modes/mode/toml";

// Keywords of perfrules/grammar.lark and the names of perfrules/rules/compiler.py (longest first).
const RULE_WORDS = /^(实际完成值|全年执行数|全年预算数|累计最多|否则|并且|或者|其余|其他|取大|取小|较大值|较小值|最多|最高|至多|扣减|满分|分值|实际值|目标值|完成率|执行率|且|或|扣|每)/;
const perfrulesMode = {
  name: "perfrules",
  startState: () => ({inRule: false, base: toml.startState(2)}),
  token(stream, state) {
    if (stream.sol()) state.inRule = /^\s*text\s*=/.test(stream.string);
    if (state.inRule) {
      if (stream.match(/^(→|⇒|；|;|≥|≤|≦|≧|≠|×|÷|·|−)/)) return "operator";
      if (stream.match(RULE_WORDS)) return "keyword";
    }
    return toml.token(stream, state.base);
  },
  languageData: {commentTokens: {line: "#"}},
};

window.PerfrulesEditor = {
  create(parent, doc, onChange, lintSource) {
    const view = new EditorView({
      parent,
      state: EditorState.create({
        doc,
        extensions: [
          lineNumbers(), highlightActiveLine(), history(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          StreamLanguage.define(perfrulesMode), syntaxHighlighting(defaultHighlightStyle),
          lintGutter(), linter(lintSource, {delay: 250}),
          EditorView.lineWrapping,
          EditorView.updateListener.of((u) => { if (u.docChanged) onChange(u.state.doc.toString()); }),
        ],
      }),
    });
    return view;
  },
  setDiagnostics,
};
