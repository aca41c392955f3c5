"""The standard kernel conformance suite (jupyter_kernel_test), whole."""
import unittest

import jupyter_kernel_test as jkt


class GoKernelTests(jkt.KernelTests):
    kernel_name = "gokernel"
    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'fmt.Println("hello, world")'
    code_stderr = 'fmt.Fprintln(os.Stderr, "to stderr")'
    completion_samples = [
        {"text": "strings.Has", "matches": {"HasPrefix", "HasSuffix"}},
    ]
    complete_code_samples = ["x := 1", "func f() int {\n\treturn 1\n}", "fmt.Println(1)"]
    incomplete_code_samples = ["func f() int {", "x := []int{1,", "if true {\n\tfmt.Println(1)"]
    invalid_code_samples = ["x := 1 }", "func f() ]"]
    code_page_something = "%doc strings.Split"
    code_generate_error = 'panic("boom")'
    code_execute_result = [
        {"code": "6*7", "result": "42"},
        {"code": "[]int{1, 4, 9}", "result": "[1 4 9]"},
        {"code": '"go" + "pher"', "result": '"gopher"'},
    ]
    code_display_data = [
        {"code": 'import "gokernel/display"\ndisplay.HTML("<b>hi</b>")', "mime": "text/html"},
        {"code": 'import "gokernel/display"\ndisplay.Markdown("*hi*")', "mime": "text/markdown"},
    ]
    code_history_pattern = "6*7"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "strings.Split"
    code_clear_output = 'import "gokernel/display"\ndisplay.Clear(false)'


if __name__ == "__main__":
    unittest.main()
