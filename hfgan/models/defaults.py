"""Default-config pieces that several families' registrations share: the built-in Fashion-MNIST's image shape and
classes. Plain data, no torch, so that listing the registry stays light."""

FASHION_MNIST_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]

GRAY28 = {"out_channels": 1, "sample_size": 28}  # a generator of 28x28 grayscale images
D_GRAY28 = {"in_channels": 1, "sample_size": 28}  # a discriminator of them
FASHION_MNIST_CONDITIONAL = {"num_classes": 10, "class_names": FASHION_MNIST_CLASSES}  # a generator of its 10 classes
