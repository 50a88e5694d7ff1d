//go:build js && wasm

// Command wasm is seqnet's engine for the `seqnet studio` page, compiled
// to WebAssembly (see studio/gen.go for the build). It puts one object,
// globalThis.seqnet, into the page; its functions take and return JSON
// strings and call package studio/engine:
//
//	seqnet.conv(requestJSON)            engine.Conv
//	seqnet.shape(input, stack)          engine.Shape
//	seqnet.experiments()                engine.Experiments
//	seqnet.trainNew(experiment, seed)   engine.NewTrainer + Start → {id, state}
//	seqnet.trainStep(id, epochs)        Trainer.Step → {states}
//	seqnet.surface(id, i, j, x0, x1, y0, y1, n)  Trainer.Surface
//	seqnet.trainFree(id)                forget a trainer
//
// Errors come back as {"error": "..."}. When the functions are ready it
// calls globalThis.seqnetReady() if the page defined it.
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"syscall/js"

	"github.com/seqnet/seqnet/studio/engine"
)

var (
	trainers = map[int]*engine.Trainer{}
	nextID   = 1
)

func main() {
	api := map[string]any{
		"conv": fn(func(a []js.Value) (any, error) {
			var req engine.ConvRequest
			if err := json.Unmarshal([]byte(arg(a, 0).String()), &req); err != nil {
				return nil, fmt.Errorf("conv: the request is not valid JSON: %v", err)
			}
			return engine.Conv(req), nil
		}),
		"shape": fn(func(a []js.Value) (any, error) {
			return engine.Shape(arg(a, 0).String(), arg(a, 1).String()), nil
		}),
		"experiments": fn(func(a []js.Value) (any, error) { return engine.Experiments(), nil }),
		"trainNew": fn(func(a []js.Value) (any, error) {
			seed := arg(a, 1).Float()
			if seed < 0 || seed != math.Trunc(seed) || seed > 1<<53 {
				return nil, fmt.Errorf("the seed must be a whole number from 0 to 2^53, received %v", seed)
			}
			t, err := engine.NewTrainer(arg(a, 0).Int(), uint64(seed))
			if err != nil {
				return nil, err
			}
			s, err := t.Start()
			if err != nil {
				return nil, err
			}
			id := nextID
			nextID++
			trainers[id] = t
			return map[string]any{"id": id, "state": s}, nil
		}),
		"trainStep": fn(func(a []js.Value) (any, error) {
			t, err := trainer(arg(a, 0))
			if err != nil {
				return nil, err
			}
			n := arg(a, 1).Int()
			if n < 1 || n > 10000 {
				return nil, fmt.Errorf("epochs per step must be from 1 to 10000, received %d", n)
			}
			states, err := t.Step(n)
			return map[string]any{"states": states}, err
		}),
		"surface": fn(func(a []js.Value) (any, error) {
			t, err := trainer(arg(a, 0))
			if err != nil {
				return nil, err
			}
			return t.Surface(arg(a, 1).Int(), arg(a, 2).Int(), arg(a, 3).Float(), arg(a, 4).Float(),
				arg(a, 5).Float(), arg(a, 6).Float(), arg(a, 7).Int())
		}),
		"trainFree": fn(func(a []js.Value) (any, error) {
			delete(trainers, arg(a, 0).Int())
			return map[string]any{}, nil
		}),
	}
	obj := js.Global().Get("Object").New()
	for k, v := range api {
		obj.Set(k, v)
	}
	js.Global().Set("seqnet", obj)
	if ready := js.Global().Get("seqnetReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}

func arg(a []js.Value, i int) js.Value {
	if i < len(a) {
		return a[i]
	}
	return js.Undefined()
}

func trainer(v js.Value) (*engine.Trainer, error) {
	t, ok := trainers[v.Int()]
	if !ok {
		return nil, fmt.Errorf("no trainer %d: start the experiment again", v.Int())
	}
	return t, nil
}

// fn wraps f as a JavaScript function returning JSON; an error or a panic
// (a bug) becomes {"error": "..."} instead of killing the page's engine.
func fn(f func([]js.Value) (any, error)) js.Func {
	return js.FuncOf(func(this js.Value, a []js.Value) (ret any) {
		defer func() {
			if p := recover(); p != nil {
				ret = errJSON(fmt.Errorf("internal error: %v", p))
			}
		}()
		v, err := f(a)
		if err != nil {
			return errJSON(err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return errJSON(err)
		}
		return string(b)
	})
}

func errJSON(err error) string {
	b, _ := json.Marshal(map[string]string{"error": err.Error()})
	return string(b)
}
