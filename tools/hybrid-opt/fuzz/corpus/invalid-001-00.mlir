%w = hybrid.weight "w" : tensor<?x4xf32>
