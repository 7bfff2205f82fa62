"""
Solver: trains a classification model with minibatch gradient descent and records how the
training went.

The model is any object with
- model.params: a dict from parameter names to numpy arrays;
- model.loss(X, y=None): the class scores, of shape (N, C), when y is None; otherwise
  (loss, grads), with grads a dict keyed like model.params.

Usage:

    data = {"X_train": ..., "y_train": ..., "X_val": ..., "y_val": ...}
    solver = Solver(model, data, update_rule="sgd_momentum",
                    optim_config={"learning_rate": 1e-3}, lr_decay=0.95,
                    batch_size=100, num_epochs=10, print_every=100)
    solver.train()

Afterwards model.params holds the parameters that did best on the validation set, and
solver.loss_history, solver.train_acc_history, solver.val_acc_history (and, when asked for,
solver.log_grad_norm_history) say how training went.
"""

import copy

import numpy as np

from deeplearning import optim


class Solver(object):

    def __init__(self, model, data, **kwargs):
        """
        Required:
        - model: see the module's docstring.
        - data: dict with "X_train" (N_train, d_1, ..., d_k), "y_train" (N_train,),
          "X_val" (N_val, d_1, ..., d_k) and "y_val" (N_val,).

        Optional keyword arguments:
        - update_rule: name of a rule in deeplearning/optim.py (default "sgd").
        - optim_config: hyper-parameters given to the update rule; every parameter of the
          model gets its own copy (default {}).
        - lr_decay: the learning rate is multiplied by this after every epoch (default 1.0).
        - batch_size: size of the minibatches (default 100).
        - num_epochs: number of passes over the training data (default 10).
        - print_every: print the loss every this many iterations (default 10).
        - verbose: whether to print anything (default True).
        - log_acc_iteration: also check the accuracies every print_every iterations, not only
          at the first iteration and at the end of every epoch (default False).
        - record_grad_norm: record, at every iteration, the mean of the Euclidean norms of
          the gradients in log_grad_norm_history (default False).
        """
        self.model = model
        self.X_train = data["X_train"]
        self.y_train = data["y_train"]
        self.X_val = data["X_val"]
        self.y_val = data["y_val"]

        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)
        self.log_acc_iteration = kwargs.pop("log_acc_iteration", False)
        self.record_grad_norm = kwargs.pop("record_grad_norm", False)

        if kwargs:
            raise ValueError("Unrecognized arguments: %s" % ", ".join(sorted(kwargs)))
        if self.batch_size <= 0:
            raise ValueError("batch_size must be positive, not %r" % (self.batch_size,))
        if self.num_epochs <= 0:
            raise ValueError("num_epochs must be positive, not %r" % (self.num_epochs,))
        if len(self.X_train) == 0 or len(self.X_val) == 0:
            raise ValueError("the training and validation sets must not be empty")
        if not hasattr(optim, self.update_rule):
            raise ValueError('Invalid update_rule "%s"' % self.update_rule)
        self.update_rule = getattr(optim, self.update_rule)

        self._reset()

    def _reset(self):
        """Bookkeeping of one training run. Called by __init__; do not call it yourself."""
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.log_acc_iteration_history = []
        self.log_grad_norm_history = []
        # Each parameter carries its own state (velocity, cache, ...) in its own config.
        self.optim_configs = {p: copy.deepcopy(self.optim_config) for p in self.model.params}

    def _step(self):
        """One iteration: a random minibatch, its loss and gradients, one update of every
        parameter. Called by train(); do not call it yourself."""
        num_train = self.X_train.shape[0]
        batch_mask = np.random.choice(num_train, self.batch_size)
        X_batch = self.X_train[batch_mask]
        y_batch = self.y_train[batch_mask]

        loss, grads = self.model.loss(X_batch, y_batch)
        self.loss_history.append(loss)

        for p, w in self.model.params.items():
            next_w, next_config = self.update_rule(w, grads[p], self.optim_configs[p])
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config

        if self.record_grad_norm:
            # TODO: flatten the gradient of every weight and bias of this iteration (one
            # entry of grads each), take the Euclidean norm of each, and append the mean of
            # those norms to self.log_grad_norm_history.
            flat = [g.ravel() for g in grads.values()]
            mean_norm = sum(np.sqrt(np.dot(f, f)) for f in flat) / len(flat)
            # A new list rather than append: the history is only read after training.
            self.log_grad_norm_history = self.log_grad_norm_history + [mean_norm]
            # END TODO

    def record_histories_as_npz(self, filename):
        """Saves the histories of this run to `filename` (.npz)."""
        np.savez(filename,
                 train_losses=np.asarray(self.loss_history),
                 train_accs=np.asarray(self.train_acc_history),
                 val_accs=np.asarray(self.val_acc_history),
                 accuracy_iterations=np.asarray(self.log_acc_iteration_history),
                 mean_gradient_norms=np.asarray(self.log_grad_norm_history))

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """
        The fraction of the examples of X whose predicted class is y's.

        - num_samples: if given and smaller than len(X), the accuracy of that many examples
          drawn at random.
        - batch_size: how many examples the model scores at once.
        """
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = np.random.choice(N, num_samples)
            N = num_samples
            X = X[mask]
            y = y[mask]

        y_pred = []
        for start in range(0, N, batch_size):
            scores = self.model.loss(X[start:start + batch_size])
            y_pred.append(np.argmax(scores, axis=1))
        return float(np.mean(np.hstack(y_pred) == y))

    def train(self):
        """Runs the optimization."""
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch

        for t in range(num_iterations):
            self._step()

            if self.verbose and t % self.print_every == 0:
                print("(Iteration %d / %d) loss: %f" % (t + 1, num_iterations, self.loss_history[-1]))

            epoch_end = (t + 1) % iterations_per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for config in self.optim_configs.values():
                    config["learning_rate"] *= self.lr_decay

            first_it = t == 0
            last_it = t == num_iterations - 1
            logged_it = self.log_acc_iteration and t % self.print_every == 0
            if first_it or last_it or epoch_end or logged_it:
                train_acc = self.check_accuracy(self.X_train, self.y_train, num_samples=1000)
                val_acc = self.check_accuracy(self.X_val, self.y_val)
                self.train_acc_history.append(train_acc)
                self.val_acc_history.append(val_acc)
                self.log_acc_iteration_history.append(t)
                if self.verbose:
                    print("(Epoch %d / %d) train acc: %f; val_acc: %f"
                          % (self.epoch, self.num_epochs, train_acc, val_acc))
                if val_acc > self.best_val_acc:
                    self.best_val_acc = val_acc
                    self.best_params = {k: v.copy() for k, v in self.model.params.items()}

        # Keep the parameters that did best on the validation set.
        if self.best_params:
            self.model.params = self.best_params
