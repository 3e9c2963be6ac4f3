package agent

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hubspoke/hubspoke/sdk/go/a2a"
	"github.com/hubspoke/hubspoke/sdk/go/hubspoke"
)

var now = time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)

// server is the agent's edge as main wires it, without a sidecar.
func server(t *testing.T) *httptest.Server {
	t.Helper()
	settings, err := hubspoke.LoadSettings(func(string) string { return "" }, "calendar", 8005)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	executor := Executor{Log: log, Now: func() time.Time { return now }}
	edge := hubspoke.Edge{Settings: settings, Version: Version, Card: Card(settings),
		A2A: a2a.NewHandler(executor, settings.MaxRequestBytes), Log: log}
	srv := httptest.NewServer(edge.Handler())
	t.Cleanup(srv.Close)
	return srv
}

type rpcReply struct {
	Result struct {
		Task a2a.Task `json:"task"`
	} `json:"result"`
	Error *a2a.Error `json:"error"`
}

func call(t *testing.T, srv *httptest.Server, body string) (int, rpcReply) {
	t.Helper()
	reply, err := http.Post(srv.URL+"/a2a", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer reply.Body.Close()
	var out rpcReply
	raw, _ := io.ReadAll(reply.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("not JSON-RPC: %s", raw)
	}
	return reply.StatusCode, out
}

func send(text string, metadata string) string {
	quoted, _ := json.Marshal(text)
	return `{"jsonrpc":"2.0","id":7,"method":"SendMessage","params":{"message":{"messageId":"m1",` +
		`"contextId":"c1","role":"ROLE_USER","parts":[{"text":` + string(quoted) + `}],"metadata":` + metadata + `}}}`
}

const future = `{"hubspoke":{"deadline":"2030-01-01T00:00:00Z","skill":"dates-and-times"}}`

func TestSendMessageOutcomes(t *testing.T) {
	srv := server(t)
	cases := []struct {
		name, body string
		state      a2a.TaskState
		contains   string
	}{
		{"completed", send("what day of the week is 25 December 2026", future), a2a.TaskStateCompleted, "Friday"},
		{"empty", send("", future), a2a.TaskStateRejected, "the input is empty"},
		{"oversized", send(strings.Repeat("x", 20001), future), a2a.TaskStateRejected, "longer than 500"},
		{"no date", send("tell me a joke", future), a2a.TaskStateRejected, "no date"},
		{"deadline", send("add 1 day to 2026-01-01", `{"hubspoke":{"deadline":"2020-01-01T00:00:00Z"}}`), a2a.TaskStateFailed, "deadline passed"},
		{"bad deadline", send("add 1 day to 2026-01-01", `{"hubspoke":{"deadline":"soon"}}`), a2a.TaskStateRejected, "RFC 3339"},
		{"other skill", send("add 1 day to 2026-01-01", `{"hubspoke":{"skill":"convert-units"}}`), a2a.TaskStateRejected, "unknown skill"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, reply := call(t, srv, c.body)
			if status != 200 || reply.Error != nil {
				t.Fatalf("HTTP %d, error %+v: a refusal is a task state, not an error", status, reply.Error)
			}
			task := reply.Result.Task
			if task.Status.State != c.state || task.ContextID != "c1" {
				t.Fatalf("state %s context %q, want %s c1", task.Status.State, task.ContextID, c.state)
			}
			var text string
			if c.state == a2a.TaskStateCompleted {
				if len(task.Artifacts) != 1 || task.Artifacts[0].Name != "answer" || len(task.Artifacts[0].Parts) != 2 {
					t.Fatalf("artifacts %+v, want one named answer with a text and a data part", task.Artifacts)
				}
				text = *task.Artifacts[0].Parts[0].Text
			} else {
				text = task.Status.Message.Text()
			}
			if !strings.Contains(text, c.contains) {
				t.Fatalf("%q lacks %q", text, c.contains)
			}
		})
	}
}

func TestArgumentsWinOverText(t *testing.T) {
	srv := server(t)
	body := `{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"messageId":"m2","role":"ROLE_USER",` +
		`"parts":[{"text":"when is it"},{"data":{"operation":"add","date":"2026-12-08","amount":90,"unit":"day"},"mediaType":"application/json"}]}}}`
	_, reply := call(t, srv, body)
	task := reply.Result.Task
	if task.Status.State != a2a.TaskStateCompleted || !strings.Contains(*task.Artifacts[0].Parts[0].Text, "8 March 2027") {
		t.Fatalf("got %+v", task)
	}
}

func TestJSONRPCErrors(t *testing.T) {
	srv := server(t)
	cases := map[string]int{
		`{not json`: a2a.CodeParseError,
		`{"jsonrpc":"2.0","id":1,"method":"message/send","params":{}}`:                              a2a.CodeMethodNotFound,
		`{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"role":"ROLE_USER"}}}`: a2a.CodeInvalidParams,
		`{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":"text"}`:                           a2a.CodeInvalidParams,
		`{"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"id":"nope"}}`:                        a2a.CodeTaskNotFound,
		`{"id":1,"method":"SendMessage"}`:                                                           a2a.CodeInvalidRequest,
	}
	for body, code := range cases {
		status, reply := call(t, srv, body)
		if status != 200 || reply.Error == nil || reply.Error.Code != code {
			t.Errorf("%s: HTTP %d error %+v, want code %d", body, status, reply.Error, code)
		}
	}
}

func TestGetAndCancelTask(t *testing.T) {
	srv := server(t)
	_, sent := call(t, srv, send("add 1 day to 2026-01-01", future))
	id := sent.Result.Task.ID
	reply, _ := http.Post(srv.URL+"/a2a", "application/json", strings.NewReader(
		`{"jsonrpc":"2.0","id":2,"method":"GetTask","params":{"id":"`+id+`"}}`))
	var got struct{ Result a2a.Task }
	_ = json.NewDecoder(reply.Body).Decode(&got)
	reply.Body.Close()
	if got.Result.ID != id || got.Result.Status.State != a2a.TaskStateCompleted {
		t.Fatalf("GetTask: %+v", got.Result)
	}
	_, canceled := call(t, srv, `{"jsonrpc":"2.0","id":3,"method":"CancelTask","params":{"id":"`+id+`"}}`)
	if canceled.Error == nil || canceled.Error.Code != a2a.CodeTaskNotCancelable {
		t.Fatalf("CancelTask: %+v", canceled.Error)
	}
}

func TestEdgeRoutes(t *testing.T) {
	srv := server(t)
	cases := map[string]int{
		"GET /healthz": 200, "GET /.well-known/agent-card.json": 200, "GET /a2a": 405, "GET /nothing": 404,
		"GET /healthz%2Fx": 400, "GET /a2a%2f": 400, "GET /%68ealthz": 400, "GET /x/../healthz": 400,
	}
	for route, want := range cases {
		method, path, _ := strings.Cut(route, " ")
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		req.URL.Opaque = path // sent as written, not cleaned by the client
		reply, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(reply.Body)
		reply.Body.Close()
		if reply.StatusCode != want {
			t.Errorf("%s: HTTP %d, want %d", route, reply.StatusCode, want)
		}
		if want >= 400 && !bytes.Contains(body, []byte(`"status":`)) {
			t.Errorf("%s: not problem JSON: %s", route, body)
		}
	}
}

func TestCardShape(t *testing.T) {
	var card map[string]any
	settings, _ := hubspoke.LoadSettings(func(string) string { return "" }, "calendar", 8005)
	if err := json.Unmarshal(Card(settings), &card); err != nil {
		t.Fatal(err)
	}
	provider := card["provider"].(map[string]any)
	if provider["url"] == "" || len(card["supportedInterfaces"].([]any)) != 2 {
		t.Fatalf("card: %v", card)
	}
}
