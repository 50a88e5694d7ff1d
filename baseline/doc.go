// Package baseline holds the simple models every seqnet result is shown
// beside, so that a trained network is judged against what one line of
// arithmetic achieves on the same rows:
//
//   - series: Persistence (the value horizon rows earlier), SeasonalNaive
//     (the value one season earlier) and a ridge autoregression (FitRidge,
//     SelectRidge: normal equations, the penalty chosen on validation rows);
//   - classes: Majority, multinomial NaiveBayes on token sequences, and
//     multinomial Logistic regression on sparse or dense features.
//
// Everything is float64 and deterministic; the inputs are plain slices
// (row-major matrices with their sizes), so the package needs nothing from
// the rest of seqnet.
package baseline
