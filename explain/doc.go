// Package explain shows what a trained seqnet model looks at.
//
// Attributions give, for one output unit and one sample, a score to every
// input step and channel:
//
//   - "gradient": ∂output/∂input (saliency);
//   - "gradxinput": gradient × input;
//   - "integrated": integrated gradients on the straight path from a
//     baseline (zeros or the data's mean) to the input, by the trapezoid or
//     midpoint rule; the attributions add up to f(input) − f(baseline) up to
//     the quadrature error;
//   - "occlusion": the drop in the output when a window of steps is
//     replaced by the baseline, spread over the window's steps.
//
// Each comes as a (steps, channels) matrix per sample and a per-step score
// (the sum over channels). Gradient, GradientXInput, IntegratedGradients
// and Occlusion compute one method for a batch; Compute dispatches by name
// and ForRow explains one row of a dataset, which explainplot.WritePicture
// draws (PNG or SVG heatmap, HTML shaded tokens, CSV numbers).
//
// Token models (models whose first layer is a layers.Embedding and whose
// input holds token indices) are explained through the Embedding's output:
// the gradient methods use the gradient at the embedding vectors (for
// "gradient" a token's score is the Euclidean norm of that gradient, for
// "gradxinput" the dot product gradient · embedding), integrated gradients
// run the layers after the Embedding on the path from zero vectors to the
// token's vectors, and occlusion replaces tokens by the padding index 0.
// Integrated gradients for token models need the layers after the
// Embedding to form a chain (a Sequential model, or a functional model that
// is one); a graph with branches is refused with an error that names the
// methods that do work.
//
// Filter reports list, for every Conv1D filter, the inputs that activate it
// most: for text models the top-k distinct n-grams of the data (n is the
// filter's receptive field in tokens, computed through the convolution and
// pooling layers before it), for time-series models the top-k input
// windows (at most one per row). Kernel returns one filter's weights, which
// explainplot.FilterWeights draws.
//
// Pictures and files are written by the sub-package explainplot, so that
// this package does not import the plotting library.
//
// The functions run the model in inference mode and back-propagate through
// it, which writes into the weights' gradient buffers (as
// model.Model.Gradients does): do not call them while Fit runs on the same
// model.
package explain
