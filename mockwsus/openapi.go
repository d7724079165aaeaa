package mockwsus

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"

	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

// apiOperation documents one admin route for GET /openapi.json: the Go
// types of its JSON bodies give the schemas (openapi3gen reads their json
// tags), so the document cannot drift from what the handlers encode.
type apiOperation struct {
	Method, Path, Summary string
	// Request is a value of the JSON request body's type (nil: no body).
	Request any
	// Response is a value of the 200 answer's JSON type; nil with
	// ContentType for answers that are not one JSON document.
	Response    any
	ContentType string
	// Errors are the statuses besides 200 the route answers with the JSON
	// error {"error","status"}.
	Errors []int
}

// apiError is the body of every admin error.
type apiError struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

type versionRequest struct {
	Version string `json:"version"`
}

type modeRequest struct {
	Mode  string `json:"mode"`
	Group string `json:"group,omitempty"`
}

type approvalRequest struct {
	Update string `json:"update"`
	Group  string `json:"group,omitempty"`
	Action string `json:"action,omitempty"`
}

type declineRequest struct {
	Update string `json:"update"`
}

type declineResponse struct {
	Update           string `json:"update"`
	RemovedApprovals int    `json:"removedApprovals"`
}

type resetResponse struct {
	Status string `json:"status"`
}

// adminOperations are the admin routes as GET /openapi.json describes
// them, in the order of AdminHandler's comment.
var adminOperations = []apiOperation{
	{Method: "GET", Path: "/healthz", Summary: `"ok" while the server runs`, ContentType: "text/plain"},
	{Method: "GET", Path: "/version", Summary: "server, ClientWebService DLL and protocol versions", Response: VersionInfo{}},
	{Method: "PUT", Path: "/version", Summary: "install a version; behaviours follow its defaults", Request: versionRequest{}, Response: VersionInfo{}, Errors: []int{400, 401}},
	{Method: "POST", Path: "/version", Summary: "the same as PUT /version", Request: versionRequest{}, Response: VersionInfo{}, Errors: []int{400, 401}},
	{Method: "GET", Path: "/behaviours", Summary: "every behaviour with its documentation and modes", Response: []BehaviourState{}},
	{Method: "GET", Path: "/behaviours/{name}", Summary: "one behaviour with its modes", Response: BehaviourState{}, Errors: []int{404}},
	{Method: "PUT", Path: "/behaviours/{name}", Summary: "switch a behaviour, for the whole server or one group", Request: modeRequest{}, Response: []BehaviourState{}, Errors: []int{400, 401, 404}},
	{Method: "POST", Path: "/behaviours/{name}", Summary: "the same as PUT /behaviours/{name}", Request: modeRequest{}, Response: []BehaviourState{}, Errors: []int{400, 401, 404}},
	{Method: "GET", Path: "/approvals", Summary: "approval rows, each with consistent (false for the two rows of revision 8862)", Response: []catalog.Approval{}},
	{Method: "POST", Path: "/approvals", Summary: "approve an update for a group, replacing that group's rows", Request: approvalRequest{}, Response: catalog.Approval{}, Errors: []int{400, 401, 404}},
	{Method: "POST", Path: "/declines", Summary: "decline an update for every group", Request: declineRequest{}, Response: declineResponse{}, Errors: []int{400, 401, 404}},
	{Method: "GET", Path: "/computers", Summary: "registered computers", Response: []Computer{}},
	{Method: "GET", Path: "/journal", Summary: "every exchange, as JSON lines", ContentType: "application/x-ndjson"},
	{Method: "GET", Path: "/events", Summary: "acknowledged reporting events", Response: []Event{}},
	{Method: "POST", Path: "/reset", Summary: "back to the starting state", Response: resetResponse{}, Errors: []int{401, 500}},
	{Method: "GET", Path: "/metrics", Summary: "Prometheus metrics", ContentType: "text/plain"},
	{Method: "GET", Path: "/openapi.json", Summary: "this document", ContentType: "application/json"},
	{Method: "GET", Path: "/debug/vars", Summary: "expvar: memstats and the command line", ContentType: "application/json"},
	{Method: "GET", Path: "/debug/memory", Summary: "heap after a GC, computers, journal size", Response: MemoryStats{}},
	{Method: "GET", Path: "/debug/pprof/", Summary: "Go profiles of the server (index)", ContentType: "text/html"},
	{Method: "GET", Path: "/debug/pprof/profile", Summary: "CPU profile (?seconds=N)", ContentType: "application/octet-stream"},
	{Method: "GET", Path: "/debug/pprof/trace", Summary: "execution trace (?seconds=N)", ContentType: "application/octet-stream"},
}

// OpenAPI returns the OpenAPI 3 document of the admin API (what GET
// /openapi.json answers).
func OpenAPI() (*openapi3.T, error) { return openAPIDoc() }

var openAPIDoc = sync.OnceValues(buildOpenAPI)

var pathParam = regexp.MustCompile(`\{([a-zA-Z]+)\}`)

func buildOpenAPI() (*openapi3.T, error) {
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{
			Title:   "mockwsus admin API",
			Version: "1",
			Description: "The admin API of the WSUS mock, on its own listener. With a token (--admin-token), " +
				"requests must carry it as \"Authorization: Bearer <token>\".",
		},
		Paths:      openapi3.NewPaths(),
		Components: &openapi3.Components{Schemas: openapi3.Schemas{}, SecuritySchemes: openapi3.SecuritySchemes{}},
	}
	doc.Components.SecuritySchemes["bearer"] = &openapi3.SecuritySchemeRef{Value: openapi3.NewJWTSecurityScheme().WithBearerFormat("")}
	gen := openapi3gen.NewGenerator(openapi3gen.UseAllExportedFields(), openapi3gen.SchemaCustomizer(strictObjects))
	schema := func(v any) (*openapi3.SchemaRef, error) {
		return gen.NewSchemaRefForValue(v, doc.Components.Schemas)
	}
	errSchema, err := schema(apiError{})
	if err != nil {
		return nil, err
	}
	for _, op := range adminOperations {
		o := openapi3.NewOperation()
		o.Summary = op.Summary
		o.OperationID = strings.ToLower(op.Method) + strings.NewReplacer("/", "_", "{", "", "}", "", ".", "_").Replace(op.Path)
		for _, m := range pathParam.FindAllStringSubmatch(op.Path, -1) {
			o.AddParameter(openapi3.NewPathParameter(m[1]).WithSchema(openapi3.NewStringSchema()))
		}
		if op.Request != nil {
			s, err := schema(op.Request)
			if err != nil {
				return nil, fmt.Errorf("mockwsus: openapi: %s %s: %w", op.Method, op.Path, err)
			}
			o.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).WithJSONSchemaRef(s)}
		}
		ok := openapi3.NewResponse().WithDescription("OK")
		switch {
		case op.Response != nil:
			s, err := schema(op.Response)
			if err != nil {
				return nil, fmt.Errorf("mockwsus: openapi: %s %s: %w", op.Method, op.Path, err)
			}
			ok.WithJSONSchemaRef(s)
		case op.ContentType != "":
			ok.WithContent(openapi3.NewContentWithSchema(openapi3.NewSchema(), []string{op.ContentType}))
		}
		o.AddResponse(http.StatusOK, ok)
		for _, status := range op.Errors {
			if status == http.StatusUnauthorized {
				o.Security = &openapi3.SecurityRequirements{{"bearer": {}}}
			}
			o.AddResponse(status, openapi3.NewResponse().WithDescription(http.StatusText(status)).WithJSONSchemaRef(errSchema))
		}
		doc.AddOperation(op.Path, op.Method, o)
	}
	return doc, nil
}

// strictObjects makes the schema of a struct say what its JSON always has:
// every field without omitempty is required and no other property may
// appear, so that an answer of another shape fails validation.
func strictObjects(_ string, t reflect.Type, _ reflect.StructTag, schema *openapi3.Schema) error {
	if t.Kind() != reflect.Struct || t.Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(jsonMarshalerType) || len(schema.Properties) == 0 {
		return nil
	}
	var fields func(reflect.Type)
	fields = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				fields(f.Type)
				continue
			}
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if !strings.Contains(","+opts+",", ",omitempty,") && !strings.Contains(","+opts+",", ",omitzero,") {
				schema.Required = append(schema.Required, name)
			}
		}
	}
	fields(t)
	no := false
	schema.AdditionalProperties = openapi3.AdditionalProperties{Has: &no}
	return nil
}

var jsonMarshalerType = reflect.TypeFor[json.Marshaler]()

// serveOpenAPI answers GET /openapi.json.
func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	doc, err := OpenAPI()
	if err != nil {
		adminError(w, http.StatusInternalServerError, err)
		return
	}
	body, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		adminError(w, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.Write(append(body, '\n'))
}
