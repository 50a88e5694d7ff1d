module github.com/seqnet/seqnet

go 1.26
