package a2a

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
)

// JSON-RPC 2.0 and A2A 1.0 error codes.
const (
	CodeParseError        = -32700
	CodeInvalidRequest    = -32600
	CodeMethodNotFound    = -32601
	CodeInvalidParams     = -32602
	CodeInternalError     = -32603
	CodeTaskNotFound      = -32001
	CodeTaskNotCancelable = -32002
)

// Error is a JSON-RPC error object.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

// Outcome is what an Executor decided for one message: the final state, the
// answer's parts (completed) or the reason (rejected, failed).
type Outcome struct {
	State  TaskState
	Parts  []Part
	Reason string
}

// Executor does an agent's work for one message. It never returns an error:
// a refusal is a rejected Outcome, a breakdown a failed one.
type Executor interface {
	Execute(ctx context.Context, req *SendMessageRequest) Outcome
}

type request struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

type response struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  any             `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
}

// keptTasks bounds the tasks GetTask can find: each step's task is read once, at once.
const keptTasks = 1024

// Handler serves A2A JSON-RPC on one route (POST only; the caller routes it).
// Tasks end within their SendMessage call, so they are kept in memory only, for GetTask.
type Handler struct {
	executor Executor
	maxBytes int64
	mu       sync.Mutex
	tasks    map[string]*Task
	order    []string
}

// NewHandler serves executor's work; bodies over maxBytes get a JSON-RPC parse error.
func NewHandler(executor Executor, maxBytes int64) *Handler {
	return &Handler{executor: executor, maxBytes: maxBytes, tasks: map[string]*Task{}}
}

// ServeHTTP answers one JSON-RPC request, always with HTTP 200 and a JSON-RPC
// reply (an error object when the request is not one this binding serves).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	reply := response{JSONRPC: "2.0", ID: json.RawMessage("null")}
	var req request
	if err != nil || json.Unmarshal(body, &req) != nil || !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		reply.Error = &Error{CodeParseError, "Invalid JSON payload."}
	} else {
		if len(req.ID) > 0 {
			reply.ID = req.ID
		}
		if req.JSONRPC != "2.0" || req.Method == "" {
			reply.Error = &Error{CodeInvalidRequest, "Request payload validation error: jsonrpc must be \"2.0\" and method a name."}
		} else {
			reply.Result, reply.Error = h.call(r.Context(), req.Method, req.Params)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(reply)
}

func (h *Handler) call(ctx context.Context, method string, params json.RawMessage) (any, *Error) {
	switch method {
	case "SendMessage":
		var req SendMessageRequest
		if err := strictDecode(params, &req); err != nil {
			return nil, &Error{CodeInvalidParams, "params must be a SendMessageRequest: " + err.Error()}
		}
		task, rpcErr := h.SendMessage(ctx, &req)
		if rpcErr != nil {
			return nil, rpcErr
		}
		return SendMessageResponse{Task: task}, nil
	case "GetTask", "CancelTask":
		var ref struct {
			ID string `json:"id"`
		}
		if err := strictDecode(params, &ref); err != nil || ref.ID == "" {
			return nil, &Error{CodeInvalidParams, "params must name a task: {\"id\": ...}"}
		}
		task := h.task(ref.ID)
		if task == nil {
			return nil, &Error{CodeTaskNotFound, "Task not found: " + ref.ID}
		}
		if method == "CancelTask" {
			// Every task here ends within its SendMessage call, so none is ever cancelable.
			return nil, &Error{CodeTaskNotCancelable, "Task cannot be canceled: it is " + string(task.Status.State)}
		}
		return task, nil
	default:
		return nil, &Error{CodeMethodNotFound, "Invalid method."}
	}
}

func strictDecode(params json.RawMessage, into any) error {
	if len(params) == 0 {
		return errors.New("params are missing")
	}
	return json.Unmarshal(params, into)
}

// SendMessage runs one message to its final state (blocking, as Hubspoke calls it)
// and returns the task; a request without a usable message is an InvalidParams error.
func (h *Handler) SendMessage(ctx context.Context, req *SendMessageRequest) (*Task, *Error) {
	msg := req.Message
	switch {
	case msg == nil:
		return nil, &Error{CodeInvalidParams, "message is required."}
	case msg.MessageID == "":
		return nil, &Error{CodeInvalidParams, "message.messageId is required."}
	case len(msg.Parts) == 0:
		return nil, &Error{CodeInvalidParams, "message.parts must hold at least one part."}
	}
	if msg.ContextID == "" {
		msg.ContextID = NewID()
	}
	task := &Task{ID: NewID(), ContextID: msg.ContextID, History: []Message{*msg}}
	msg.TaskID = task.ID
	outcome := h.executor.Execute(ctx, req)
	task.Status = TaskStatus{State: outcome.State, Timestamp: Now()}
	if outcome.State == TaskStateCompleted {
		task.Artifacts = []Artifact{{ArtifactID: NewID(), Name: "answer", Parts: outcome.Parts}}
	} else {
		task.Status.Message = &Message{
			MessageID: NewID(), ContextID: task.ContextID, TaskID: task.ID, Role: RoleAgent,
			Parts: []Part{TextPart(outcome.Reason)},
		}
	}
	h.keep(task)
	return task, nil
}

func (h *Handler) keep(task *Task) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tasks[task.ID] = task
	h.order = append(h.order, task.ID)
	if len(h.order) > keptTasks {
		delete(h.tasks, h.order[0])
		h.order = h.order[1:]
	}
}

func (h *Handler) task(id string) *Task {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.tasks[id]
}
